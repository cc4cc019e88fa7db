"""maximum, minimum, max, min, argmax, argmin."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]


def _distinct(rng, shape, dtype):
    """Values with no ties (differences of at least 0.1): no kinks in gradient checks."""
    n = int(numpy.prod(shape))
    return numpy.asarray(rng.permutation(n).reshape(shape) * 0.1 - 0.05 * n).astype(dtype)


# -- maximum / minimum ------------------------------------------------------------------

PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((), ())]


def _pair(rng, s1, s2, dtype):
    """Two inputs that differ by at least 0.05 everywhere after broadcasting."""
    a = numpy.asarray(rng.uniform(-1, 1, size=s1))
    b = numpy.asarray(rng.uniform(-1, 1, size=s2))
    ab, bb = numpy.broadcast_arrays(a, b)
    if numpy.any(numpy.abs(ab - bb) < 0.05):
        return _pair(rng, s1, s2, dtype)
    return a.astype(dtype), b.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("s1,s2", PAIRS)
@pytest.mark.parametrize("fname", ["maximum", "minimum"])
class TestMaximumMinimum:
    def test_forward(self, rng, fname, s1, s2, dtype):
        a, b = _pair(rng, s1, s2, dtype)
        y = getattr(F, fname)(a, b)
        assert y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, getattr(numpy, fname)(a, b))

    def test_grads(self, rng, grads, fname, s1, s2, dtype):
        grads(getattr(F, fname), _pair(rng, s1, s2, dtype), dtype)


@pytest.mark.parametrize("fname", ["maximum", "minimum"])
def test_maximum_minimum_gradient_routing_and_ties(fname):
    a = Variable(numpy.array([1.0, 5.0, 3.0], numpy.float32))
    b = Variable(numpy.array([2.0, 4.0, 3.0], numpy.float32))
    F.sum(getattr(F, fname)(a, b)).backward()
    to_a = [0.0, 1.0, 1.0] if fname == "maximum" else [1.0, 0.0, 1.0]
    numpy.testing.assert_array_equal(a.grad, to_a)           # the tie (3, 3) goes to x1
    numpy.testing.assert_array_equal(b.grad, 1 - numpy.array(to_a))


def test_maximum_broadcast_gradient_sums():
    a = Variable(numpy.array([[0.0, 3.0], [5.0, 1.0]], numpy.float64))
    b = Variable(numpy.array([2.0], numpy.float64))
    F.sum(F.maximum(a, b)).backward()
    numpy.testing.assert_array_equal(a.grad, [[0.0, 1.0], [1.0, 0.0]])
    numpy.testing.assert_array_equal(b.grad, [2.0])


@pytest.mark.parametrize("fname", ["maximum", "minimum"])
def test_maximum_shape_mismatch(fname):
    with pytest.raises(rechain.InvalidType,
                       match=rf"{fname}: shapes cannot be broadcast together: x1 \(2, 3\), "
                             rf"x2 \(2,\)"):
        getattr(F, fname)(numpy.ones((2, 3), numpy.float32), numpy.ones((2,), numpy.float32))


def test_maximum_dtype_mismatch():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "maximum: x1 and x2 must have the same dtype, got x1 float32 (2,) and "
            "x2 float64 (2,)")):
        F.maximum(numpy.ones((2,), numpy.float32), numpy.ones((2,), numpy.float64))


# -- max / min ----------------------------------------------------------------------------

REDUCE_CASES = [
    ((), None), ((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 1), ((3, 4), -2),
    ((2, 3, 4), (0, 2)), ((2, 3, 4), (2, 1)), ((2, 3, 4), ()),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", REDUCE_CASES)
@pytest.mark.parametrize("fname", ["max", "min"])
class TestMaxMin:
    def test_forward(self, rng, fname, shape, axis, dtype, keepdims):
        x = _distinct(rng, shape, dtype)
        y = getattr(F, fname)(x, axis=axis, keepdims=keepdims)
        expected = getattr(numpy, "a" + fname)(x, axis=axis, keepdims=keepdims)
        assert y.dtype == dtype and y.shape == numpy.shape(expected)
        numpy.testing.assert_array_equal(y.array, expected)

    def test_grads(self, rng, grads, fname, shape, axis, dtype, keepdims):
        x = _distinct(rng, shape, dtype)
        grads(lambda v: getattr(F, fname)(v, axis=axis, keepdims=keepdims), (x,), dtype)


@pytest.mark.parametrize("fname", ["max", "min"])
def test_max_gradient_goes_to_the_extreme_element(fname):
    x = Variable(numpy.array([[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]], numpy.float32))
    y = getattr(F, fname)(x, axis=1)
    y.grad = numpy.array([10.0, 20.0], numpy.float32)
    y.backward()
    expected = ([[0, 10, 0], [20, 0, 0]] if fname == "max" else [[10, 0, 0], [0, 20, 0]])
    numpy.testing.assert_array_equal(x.grad, expected)


@pytest.mark.parametrize("fname", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_max_ties_give_the_whole_gradient_to_one_element(fname, axis):
    x = Variable(numpy.full((2, 3, 2), 4.0, numpy.float64))
    y = getattr(F, fname)(x, axis=axis)
    y.grad = numpy.ones(y.shape)
    y.backward()
    # Every reduced slice passes its gradient exactly once, to its first element.
    numpy.testing.assert_array_equal(F.sum(x.grad, axis=axis).array, numpy.ones(y.shape))
    first = numpy.zeros((2, 3, 2))
    idx = [slice(None)] * 3
    for a in ((0, 1, 2) if axis is None else numpy.atleast_1d(axis)):
        idx[a] = 0
    first[tuple(idx)] = 1
    numpy.testing.assert_array_equal(x.grad, first)


@pytest.mark.parametrize("fname", ["max", "min"])
@pytest.mark.parametrize("axis", [2, -3, (0, 5)])
def test_max_axis_out_of_range(fname, axis):
    bad = axis if isinstance(axis, int) else 5
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"{fname}: axis={bad} is out of range for an input with 2 dimensions "
            f"(x shape (3, 4))")):
        getattr(F, fname)(numpy.ones((3, 4), numpy.float32), axis=axis)


def test_max_repeated_axis():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "max: axis=(1, -1) repeats an axis (x shape (3, 4))")):
        F.max(numpy.ones((3, 4), numpy.float32), axis=(1, -1))


@pytest.mark.parametrize("shape,axis", [((0,), None), ((3, 0), 1), ((0, 4), None)])
def test_max_of_empty(shape, axis):
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"min: cannot reduce over an empty axis: x has shape {shape}")):
        F.min(numpy.ones(shape, numpy.float32), axis=axis)


# -- argmax / argmin ------------------------------------------------------------------------

@pytest.mark.parametrize("shape,axis", [((5,), None), ((3, 4), None), ((3, 4), 0), ((3, 4), -1),
                                        ((2, 3, 4), 1), ((), None)])
@pytest.mark.parametrize("fname", ["argmax", "argmin"])
def test_argmax(rng, fname, shape, axis):
    x = Variable(_distinct(rng, shape, numpy.float32))
    y = getattr(F, fname)(x, axis=axis)
    assert isinstance(y, Variable)
    assert y.dtype == numpy.int32 and not y.requires_grad and y.creator is None
    numpy.testing.assert_array_equal(y.array, getattr(numpy, fname)(x.array, axis=axis))


def test_argmax_of_ndarray_and_ties():
    y = F.argmax(numpy.array([[1.0, 3.0, 3.0]], numpy.float32), axis=1)
    numpy.testing.assert_array_equal(y.array, [1])


@pytest.mark.parametrize("fname", ["argmax", "argmin"])
def test_argmax_axis_out_of_range(fname):
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"{fname}: axis=2 is out of range for an input with 2 dimensions "
            f"(x shape (3, 4))")):
        getattr(F, fname)(numpy.ones((3, 4), numpy.float32), axis=2)


def test_argmax_axis_of_wrong_type():
    with pytest.raises(TypeError, match=r"argmax: axis must be an int, not tuple"):
        F.argmax(numpy.ones((3, 4), numpy.float32), axis=(0, 1))


@pytest.mark.parametrize("shape,axis", [((0,), None), ((3, 0), 1)])
def test_argmax_of_empty(shape, axis):
    with pytest.raises(rechain.InvalidType, match=re.escape(f"argmax: ") + r".*"
                       + re.escape(f"shape {shape}")):
        F.argmax(numpy.ones(shape, numpy.float32), axis=axis)

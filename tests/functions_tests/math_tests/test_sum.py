"""sum and mean."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

# (shape, axis) pairs: None, int, negative, tuple, empty tuple.
CASES = [
    ((), None),
    ((4,), None),
    ((4,), 0),
    ((2, 3), None),
    ((2, 3), 1),
    ((2, 3), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 0)),
    ((2, 3, 4), (1,)),
    ((2, 3), ()),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("fname", ["sum", "mean"])
class TestReduce:
    def test_forward(self, rng, fname, shape, axis, dtype, keepdims):
        x = numpy.asarray(rng.normal(size=shape)).astype(dtype)
        y = getattr(F, fname)(x, axis=axis, keepdims=keepdims)
        expected = getattr(numpy, fname)(x.astype(numpy.float64), axis=axis, keepdims=keepdims)
        assert y.dtype == dtype
        assert y.shape == numpy.shape(expected)
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-6)

    def test_grads(self, rng, grads, fname, shape, axis, dtype, keepdims):
        x = rng.normal(size=shape)
        grads(lambda v: getattr(F, fname)(v, axis=axis, keepdims=keepdims), (x,), dtype)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis", CASES)
def test_variable_sum_method(rng, shape, axis, keepdims):
    x = Variable(numpy.asarray(rng.normal(size=shape)).astype(numpy.float32))
    y = x.sum(axis=axis, keepdims=keepdims)
    numpy.testing.assert_array_equal(y.array, F.sum(x, axis=axis, keepdims=keepdims).array)


@pytest.mark.parametrize("keepdims", [False, True])
def test_variable_mean_method(keepdims):
    x = Variable(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    y = x.mean(axis=1, keepdims=keepdims)
    numpy.testing.assert_allclose(y.array, x.array.mean(axis=1, keepdims=keepdims))


def test_sum_gradient_is_ones():
    x = Variable(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    y = F.sum(x, axis=0)
    y.grad = numpy.array([1.0, 2.0, 3.0], numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[1, 2, 3], [1, 2, 3]])


def test_mean_gradient_is_one_over_n():
    x = Variable(numpy.ones((4, 5), numpy.float64))
    F.mean(x).backward()
    numpy.testing.assert_allclose(x.grad, numpy.full((4, 5), 1 / 20))


# -- weights ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("shape,axis,wshape", [
    ((2, 3), None, (2, 3)),
    ((2, 3), 1, (3,)),
    ((2, 3, 4), 0, (2,)),
    ((2, 3, 4), -1, (4,)),
    ((2, 3), (0, 1), (2, 3)),
    ((2, 3), 0, (2, 3)),
])
def test_weighted_mean(rng, grads, shape, axis, wshape, keepdims, dtype):
    x = rng.normal(size=shape).astype(dtype)
    w = rng.uniform(0.5, 1.5, size=wshape).astype(dtype)
    y = F.mean(x, axis=axis, weights=w, keepdims=keepdims)
    wb = _expand(w, shape, axis)
    x64 = x.astype(numpy.float64)
    expected = (numpy.sum(x64 * wb, axis=axis, keepdims=keepdims)
                / numpy.sum(wb, axis=axis, keepdims=keepdims))
    assert y.dtype == dtype
    assert y.shape == expected.shape
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-5)
    # Gradients w.r.t. both x and the weights.
    grads(lambda a, b: F.mean(a, axis=axis, weights=b, keepdims=keepdims), (x, w), dtype)


def _expand(w, shape, axis):
    """Weights broadcast to x: a 1-d w lies along the one reduced axis."""
    if w.ndim == len(shape):
        return numpy.broadcast_to(w, shape)
    s = [1] * len(shape)
    s[axis] = w.shape[0]
    return numpy.broadcast_to(w.reshape(s), shape)


# -- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("fname", ["sum", "mean"])
def test_repeated_axis(fname):
    x = Variable(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(rechain.InvalidType, match=rf"{fname}: axis=\(1, -1\) repeats an axis"):
        getattr(F, fname)(x, axis=(1, -1))


@pytest.mark.parametrize("fname", ["sum", "mean"])
def test_axis_out_of_range(fname):
    x = Variable(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(rechain.InvalidType, match=rf"{fname}: axis=2 is out of range for an input of shape \(2, 3\)"):
        getattr(F, fname)(x, axis=2)


@pytest.mark.parametrize("axis", [
    (0, 1.0),
    1.0,
])
def test_axis_of_wrong_type(axis):
    with pytest.raises(TypeError, match=r"sum: axis must be .*an int.*, not float"):
        F.sum(numpy.ones((2, 3), numpy.float32), axis=axis)


@pytest.mark.parametrize("shape,axis", [((0,), None), ((2, 0), 1), ((0, 3), (0, 1))])
def test_mean_of_empty(shape, axis):
    x = Variable(numpy.ones(shape, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=r"mean: cannot average over zero elements "
                       r"\(x shape " + re.escape(str(shape))):
        F.mean(x, axis=axis)


def test_mean_weights_wrong_length():
    x = Variable(numpy.ones((2, 3), numpy.float32))
    w = numpy.ones((4,), numpy.float32)
    with pytest.raises(rechain.InvalidType,
                       match=r"mean: weights of shape \(4,\) do not match axis 1 of x \(2, 3\)"):
        F.mean(x, axis=1, weights=w)


def test_mean_weights_not_broadcastable():
    x = Variable(numpy.ones((2, 3), numpy.float32))
    w = numpy.ones((3, 2), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"broadcast_to: .*\(3, 2\).*\(2, 3\)"):
        F.mean(x, weights=w)

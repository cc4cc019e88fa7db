"""prod, cumprod, logsumexp, average: values against NumPy, zero-safe
gradients, gradient checks of order one and two, forget, bad input."""

import itertools

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

AXES = [None, 0, 1, -1, (0, 2), (2, 0, 1)]


def _x(rng, shape=(2, 3, 4), lo=0.5, hi=1.5):
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


# ---------------------------------------------------------------- prod

@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES)
def test_prod_forward(rng, axis, keepdims, dtype):
    x = _x(rng).astype(dtype)
    y = F.prod(x, axis=axis, keepdims=keepdims)
    want = numpy.prod(x, axis=axis, keepdims=keepdims)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-6)


def _brute_prod_grad(x, axis):
    """d sum(prod(x, axis)) / dx by the definition (product of the others)."""
    g = numpy.empty_like(x)
    for idx in itertools.product(*map(range, x.shape)):
        sl = list(idx)
        sl[axis] = slice(None)
        row = x[tuple(sl)].copy()
        row[idx[axis]] = 1.0
        g[idx] = row.prod()
    return g


def test_prod_gradient_with_zeros():
    x = numpy.array([[2.0, 0.0, 3.0, 4.0],    # one zero
                     [0.0, 5.0, 0.0, 1.0],    # two zeros: every gradient is 0
                     [1.5, -2.0, 0.5, 3.0]])  # none
    v = Variable(x.copy())
    F.sum(F.prod(v, axis=1)).backward()
    numpy.testing.assert_array_equal(v.grad, _brute_prod_grad(x, 1))
    assert v.grad[0].tolist() == [0.0, 24.0, 0.0, 0.0]
    assert not numpy.isnan(v.grad).any()


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ((0, 2), True),
                                           (-1, True)])
def test_prod_grads(rng, grads, axis, keepdims, dtype):
    x = _x(rng)
    x[0, 1, 2] = 0.0  # a zero factor: the gradient must not divide by it
    grads(lambda a: F.prod(a, axis=axis, keepdims=keepdims), (x,), dtype)


def test_prod_empty_axis_tuple_and_0d():
    x = numpy.array(3.0)
    assert F.prod(x).array == 3.0
    v = Variable(numpy.array([2.0, 3.0]))
    y = F.prod(v, axis=())
    numpy.testing.assert_array_equal(y.array, [2.0, 3.0])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(v.grad, [1.0, 1.0])


# ---------------------------------------------------------------- cumprod

@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1])
def test_cumprod_forward(rng, axis, dtype):
    x = _x(rng).astype(dtype)
    y = F.cumprod(x, axis=axis)
    want = numpy.cumprod(x, axis=axis)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-6)


def test_cumprod_gradient_with_zeros():
    x = numpy.array([[1.0, 0.0, 3.0, 2.0], [0.0, 2.0, 0.0, 4.0], [2.0, 5.0, 0.5, -1.0]])
    v = Variable(x.copy())
    gy = numpy.array([[1.0, -2.0, 0.5, 3.0], [2.0, 1.0, -1.0, 0.5], [1.0, 1.0, 2.0, -1.0]])
    y = F.cumprod(v, axis=1)
    y.grad = gy
    y.backward()
    want = numpy.zeros_like(x)
    for r in range(3):  # sum_{i >= j} gy_i prod_{k <= i, k != j} x_k
        for j in range(4):
            for i in range(j, 4):
                want[r, j] += gy[r, i] * numpy.prod(numpy.delete(x[r, :i + 1], j))
    numpy.testing.assert_allclose(v.grad, want, rtol=1e-15)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("axis", [None, 0, 2, -2])
def test_cumprod_grads(rng, grads, axis, dtype):
    x = _x(rng)
    x[1, 0, 1] = 0.0
    grads(lambda a: F.cumprod(a, axis=axis), (x,), dtype)


def test_cumprod_0d_and_length_one():
    numpy.testing.assert_array_equal(F.cumprod(numpy.array(2.0), axis=0).array, [2.0])
    v = Variable(numpy.array([[3.0], [4.0]]))
    F.sum(F.cumprod(v, axis=1)).backward()
    numpy.testing.assert_array_equal(v.grad, [[1.0], [1.0]])


# ---------------------------------------------------------------- logsumexp

def _lse(x, axis):
    return numpy.log(numpy.sum(numpy.exp(x), axis=axis))


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("axis", AXES)
def test_logsumexp_forward(rng, axis, dtype):
    x = _x(rng).astype(dtype)
    y = F.logsumexp(x, axis=axis)
    want = _lse(x.astype(numpy.float64), axis)
    assert y.dtype == dtype and y.shape == numpy.shape(want)
    numpy.testing.assert_allclose(y.array, want, rtol=1e-6)


def test_logsumexp_large_and_infinite_values():
    x = numpy.array([[1000.0, 1000.0, 999.0], [-1000.0, -1001.0, -numpy.inf],
                     [-numpy.inf] * 3, [numpy.inf, 0.0, 1.0]])
    y = F.logsumexp(x, axis=1).array
    want = [1000 + numpy.log(2 + numpy.exp(-1.0)), -1000 + numpy.log1p(numpy.exp(-1.0)),
            -numpy.inf, numpy.inf]
    numpy.testing.assert_allclose(y, want, rtol=1e-15)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("axis", [None, 1, (0, 2)])
def test_logsumexp_grads(rng, grads, axis, dtype):
    grads(lambda a: F.logsumexp(a, axis=axis), (_x(rng),), dtype)


def test_logsumexp_gradient_is_softmax(rng):
    x = Variable(_x(rng, (3, 5)))
    F.sum(F.logsumexp(x, axis=1)).backward()
    numpy.testing.assert_allclose(x.grad, F.softmax(x.array, axis=1).array, rtol=1e-14)


# ---------------------------------------------------------------- average

@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
def test_average_unweighted(rng, axis, keepdims):
    x = _x(rng, (3, 4))
    y = F.average(x, axis=axis, keepdims=keepdims)
    numpy.testing.assert_allclose(y.array, numpy.average(x, axis=axis, keepdims=keepdims),
                                  rtol=1e-15)
    avg, n = F.average(x, axis=axis, keepdims=keepdims, returned=True)
    want, wn = numpy.average(x, axis=axis, keepdims=keepdims, returned=True)
    numpy.testing.assert_allclose(avg.array, want, rtol=1e-15)
    numpy.testing.assert_array_equal(n.array, wn)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_average_weighted(rng, axis, keepdims):
    x = _x(rng, (3, 4))
    w = rng.uniform(0.1, 1.0, x.shape if axis is None else (x.shape[axis],))
    y = F.average(x, axis=axis, weights=w, keepdims=keepdims)
    want = numpy.average(x, axis=axis, weights=w, keepdims=keepdims)
    assert y.shape == numpy.shape(want)
    numpy.testing.assert_allclose(y.array, want, rtol=1e-14)
    avg, total = F.average(x, axis=axis, weights=w, keepdims=keepdims, returned=True)
    want, wtotal = numpy.average(x, axis=axis, weights=w, keepdims=keepdims, returned=True)
    numpy.testing.assert_allclose(avg.array, want, rtol=1e-14)
    numpy.testing.assert_allclose(total.array, wtotal, rtol=1e-14)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("axis", [None, 1])
def test_average_grads(rng, grads, axis, dtype):
    x = _x(rng, (3, 4))
    w = rng.uniform(0.5, 1.0, x.shape if axis is None else (4,))
    grads(lambda a, b: F.average(a, axis=axis, weights=b), (x, w), dtype)
    grads(lambda a: F.average(a, axis=axis), (x,), dtype)


# ---------------------------------------------------------------- forget

CALLS = {
    "prod": lambda x: F.prod(x, axis=1),
    "cumprod": lambda x: F.cumprod(x, axis=1),
    "logsumexp": lambda x: F.logsumexp(x, axis=(0, 2)),
    "average": lambda x: F.average(x, axis=2, weights=numpy.array([1.0, 2.0, 0.5, 0.25])),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = _x(rng)
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())
        f = lambda x: CALLS[name](F.tanh(x)) * 2.0  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("name", ["prod", "cumprod", "logsumexp", "average"])
def test_integer_input_is_rejected(name):
    with pytest.raises(rechain.InvalidType,
                       match=rf"{name}: x must have a floating-point dtype, got int64"):
        getattr(F, name)(numpy.arange(6).reshape(2, 3))


@pytest.mark.parametrize("name", ["prod", "cumprod", "logsumexp", "average"])
def test_axis_out_of_range(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: axis=2 is out of range"):
        getattr(F, name)(numpy.zeros((2, 3)), axis=2)


def test_bad_axes_and_weights():
    x = numpy.zeros((2, 3))
    with pytest.raises(rechain.InvalidType, match=r"prod: axis=\(1, -1\) repeats an axis"):
        F.prod(x, axis=(1, -1))
    with pytest.raises(TypeError, match="cumprod: axis must be an int or None, not tuple"):
        F.cumprod(x, axis=(0, 1))
    with pytest.raises(rechain.InvalidType, match="logsumexp: cannot reduce over zero "
                                                  r"elements \(x shape \(0, 3\)"):
        F.logsumexp(numpy.zeros((0, 3)), axis=0)
    with pytest.raises(rechain.InvalidType, match=r"average: with axis=1, weights must have "
                                                  r"shape \(3,\) \(x.shape\[1\] of x \(2, 3\)\), "
                                                  r"got \(2,\)"):
        F.average(x, axis=1, weights=numpy.ones(2))
    with pytest.raises(rechain.InvalidType, match=r"average: with axis=None, weights must "
                                                  r"have x's shape \(2, 3\), got \(3,\)"):
        F.average(x, weights=numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match="average: x and weights must have the same "
                                                  "dtype, got float64 and float32"):
        F.average(x, axis=1, weights=numpy.ones(3, numpy.float32))
    with pytest.raises(ValueError, match=r"average: axis=\(0, 1\) names several axes"):
        F.average(x, axis=(0, 1), weights=numpy.ones((2, 3)))


@pytest.mark.parametrize("name", ["prod", "logsumexp", "average"])
def test_list_axis_is_a_type_error(name):
    # As in Chainer: a tuple of axes, not a list.
    with pytest.raises(TypeError, match=rf"{name}: axis must be None, an int or a tuple of "
                                        r"ints, not list"):
        getattr(F, name)(numpy.zeros((2, 3)), axis=[0])


def test_prod_of_empty_arrays():
    v = Variable(numpy.zeros((3, 1, 0)))
    y = F.prod(v, keepdims=True)
    numpy.testing.assert_array_equal(y.array, numpy.ones((1, 1, 1)))
    F.sum(y).backward()
    assert v.grad.shape == (3, 1, 0)
    numpy.testing.assert_array_equal(F.prod(numpy.zeros((2, 0)), axis=1).array, [1.0, 1.0])

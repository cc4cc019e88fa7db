import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

DTYPES = [numpy.float32, numpy.float64]


def _ref(x, t, delta, reduce):
    d = x - t
    a = abs(d)
    loss = numpy.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return loss.sum(axis=1) if reduce == "sum_along_second_axis" else loss


def _inputs(shape, dtype, delta, seed):
    rng = numpy.random.default_rng(seed)
    t = rng.normal(size=shape)
    # |x - t| spread over both regimes, away from the switch at delta
    a = rng.uniform(0, 3 * delta, shape)
    a = numpy.where(abs(a - delta) < 0.1 * delta, a + 0.3 * delta, a)
    x = t + a * rng.choice([-1, 1], shape)
    return x.astype(dtype), t.astype(dtype)


@pytest.mark.parametrize("reduce", ["sum_along_second_axis", "no"])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2)])
@pytest.mark.parametrize("delta", [1.0, 0.5])
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(reduce, shape, delta, dtype):
    x, t = _inputs(shape, dtype, delta, 0)
    y = F.huber_loss(x, t, delta, reduce=reduce)
    want = _ref(x.astype(numpy.float64), t.astype(numpy.float64), delta, reduce)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5)


@pytest.mark.parametrize("reduce", ["sum_along_second_axis", "no"])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(reduce, shape, dtype):
    delta = 1.0
    x, t = _inputs(shape, dtype, delta, 1)
    rng = numpy.random.default_rng(2)
    out_shape = _ref(x, t, delta, reduce).shape
    gy = rng.normal(size=out_shape).astype(dtype)
    ggx, ggt = (rng.normal(size=shape).astype(dtype) for _ in range(2))

    def f(a, b):
        return F.huber_loss(a, b, delta, reduce=reduce)
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, (x, t), gy, **tol)
    gradient_check.check_double_backward(f, (x, t), gy, (ggx, ggt), **tol)


def test_shape_mismatch_raises():
    with pytest.raises(rechain.InvalidType, match=r"huber_loss: x and t must have the same shape, "
                                                   r"got x \(2, 3\) and t \(2, 4\)"):
        F.huber_loss(numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 4), numpy.float32), 1.0)


def test_bad_reduce_and_delta_raise():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match="huber_loss: reduce must be"):
        F.huber_loss(x, x, 1.0, reduce="mean")
    with pytest.raises(ValueError, match="huber_loss: delta must be positive, got 0.0"):
        F.huber_loss(x, x, 0.0)


def test_1d_input_with_default_reduce_raises():
    x = numpy.zeros(3, numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"huber_loss: x must have at least 2 "
                                                   r"dimensions, got shape \(3,\)"):
        F.huber_loss(x, x, 1.0)

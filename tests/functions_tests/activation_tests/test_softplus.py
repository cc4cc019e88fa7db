import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

SHAPES = [(), (3,), (2, 3)]
DTYPES = [numpy.float32, numpy.float64]
BETAS = [1.0, 2.0, 0.5]


def _ref(x, beta):
    return numpy.logaddexp(0, beta * x) / beta


def _lift0d(f, shape):
    """gradient_check cannot perturb 0-d inputs: check them as (1,) arrays."""
    if shape != ():
        return f, shape
    return (lambda x: F.reshape(f(F.reshape(x, ())), (1,))), (1,)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(beta, shape, dtype):
    x = numpy.asarray(numpy.random.default_rng(0).uniform(-3, 3, shape), dtype=dtype)
    y = F.softplus(x, beta=beta)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, _ref(x.astype(numpy.float64), beta), rtol=1e-5)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(beta, shape, dtype):
    f, shape = _lift0d(lambda x: F.softplus(x, beta=beta), shape)
    rng = numpy.random.default_rng(1)
    x, gy, ggx = (numpy.asarray(rng.uniform(-2, 2, shape), dtype=dtype) for _ in range(3))
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, x, gy, **tol)
    gradient_check.check_double_backward(f, x, gy, ggx, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_stable_for_large_inputs(dtype):
    x = numpy.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype)
    y = F.softplus(x)
    assert numpy.isfinite(y.array).all()
    numpy.testing.assert_allclose(y.array, [0.0, numpy.exp(-50.0), numpy.log(2.0), 50.0, 1000.0],
                                  rtol=1e-6)
    xv = rechain.Variable(x)
    F.sum(F.softplus(xv)).backward()
    numpy.testing.assert_allclose(xv.grad, [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-7)


def test_integer_input_raises():
    with pytest.raises(rechain.InvalidType, match=r"softplus: x must have a floating-point "
                                                   r"dtype, got int64 \(shape \(2,\)\)"):
        F.softplus(numpy.zeros(2, numpy.int64))


def test_zero_beta_raises():
    with pytest.raises(ValueError, match="softplus: beta must be nonzero"):
        F.softplus(numpy.zeros(2, numpy.float32), beta=0)

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

DTYPES = [numpy.float32, numpy.float64]
# (x shape, beta shape)
CASES = [((2, 3), (3,)), ((2, 3, 4), (3,)), ((2, 3, 4), (3, 4)), ((2, 3), ())]


def _ref(x, beta):
    b = beta.reshape((1,) + beta.shape + (1,) * (x.ndim - beta.ndim - 1))
    return x / (1 + numpy.exp(-b * x))


@pytest.mark.parametrize("xs,bs", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(xs, bs, dtype):
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=xs).astype(dtype)
    beta = numpy.asarray(rng.uniform(0.5, 2, bs), dtype=dtype)
    y = F.swish(x, beta)
    assert y.dtype == dtype and y.shape == xs
    numpy.testing.assert_allclose(y.array, _ref(x.astype(numpy.float64),
                                                beta.astype(numpy.float64)), rtol=1e-5)


@pytest.mark.parametrize("xs,bs", CASES[:3])
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(xs, bs, dtype):
    rng = numpy.random.default_rng(1)
    x, gy, ggx = (rng.normal(size=xs).astype(dtype) for _ in range(3))
    beta = rng.uniform(0.5, 2, bs).astype(dtype)
    ggb = rng.normal(size=bs).astype(dtype)
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(F.swish, (x, beta), gy, **tol)
    gradient_check.check_double_backward(F.swish, (x, beta), gy, (ggx, ggb), **tol)


def test_beta_shape_mismatch_raises():
    with pytest.raises(rechain.InvalidType, match=r"swish: beta of shape \(4,\) must match "
                                                   r".* x has shape \(2, 3\)"):
        F.swish(numpy.zeros((2, 3), numpy.float32), numpy.ones(4, numpy.float32))

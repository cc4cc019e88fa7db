import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain.utils import type_check


def ref(x, groups, gamma, beta, eps):
    x = x.astype(numpy.float64)
    n, c = x.shape[:2]
    xr = x.reshape(n, groups, -1)
    y = (xr - xr.mean(axis=2, keepdims=True)) / numpy.sqrt(xr.var(axis=2, keepdims=True) + eps)
    b = (1, -1) + (1,) * (x.ndim - 2)
    return y.reshape(x.shape) * gamma.reshape(b) + beta.reshape(b)


def test_link():
    rng = numpy.random.default_rng(4)
    gn = L.GroupNormalization(3, initial_gamma=2.0, initial_beta=0.5)
    assert gn.gamma.array is None
    x = rng.uniform(-1, 1, (2, 6, 4)).astype(numpy.float32)
    y = gn(x)
    assert gn.gamma.shape == (6,) and gn.gamma.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, ref(x, 3, numpy.full(6, 2.0), numpy.full(6, 0.5),
                                               1e-5), rtol=1e-4, atol=1e-5)
    F.sum(y * y).backward()
    assert gn.gamma.grad.shape == (6,) and gn.beta.grad.shape == (6,)
    gn2 = L.GroupNormalization(2, size=4, eps=1e-3)
    assert gn2.gamma.shape == (4,)
    with pytest.raises(type_check.InvalidType, match=r"groups=4 must divide the 6 channels"):
        L.GroupNormalization(4)(x)


def test_parameters_take_the_dtype_of_construction():
    with rechain.using_config("dtype", numpy.float16):
        gn = L.GroupNormalization(2)
    y = gn(numpy.ones((2, 4, 3), numpy.float16))     # initialized outside the config
    assert gn.gamma.dtype == numpy.float16 and y.dtype == numpy.float16
    with rechain.using_config("dtype", rechain.mixed16):
        gn = L.GroupNormalization(2, size=4)
    assert gn.gamma.dtype == numpy.float32

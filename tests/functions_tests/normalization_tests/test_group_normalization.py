import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def ref(x, groups, gamma, beta, eps):
    """Loop over samples and groups (tests only)."""
    x = x.astype(numpy.float64)
    y = numpy.empty(x.shape)
    cg = x.shape[1] // groups
    for n in range(x.shape[0]):
        for g in range(groups):
            part = x[n, g * cg:(g + 1) * cg]
            y[n, g * cg:(g + 1) * cg] = (part - part.mean()) / numpy.sqrt(part.var() + eps)
    b = (1, -1) + (1,) * (x.ndim - 2)
    return y * gamma.astype(numpy.float64).reshape(b) + beta.astype(numpy.float64).reshape(b)


CASES = [((2, 4), 2), ((2, 6, 3), 3), ((3, 4, 2, 3), 2), ((2, 4, 2, 2), 1), ((2, 4, 3), 4),
         ((1, 6, 2, 1, 2), 3)]


def _data(shape, dtype, rng, pdtype=None):
    c = shape[1]
    pdtype = pdtype or dtype
    return (rng.uniform(-1, 1, shape).astype(dtype), rng.uniform(0.5, 1.5, c).astype(pdtype),
            rng.uniform(-1, 1, c).astype(pdtype))


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,groups", CASES)
def test_forward_against_loops(shape, groups, dtype):
    x, g, b = _data(shape, dtype, numpy.random.default_rng(0))
    y = F.group_normalization(x, groups, g, b, eps=1e-3)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x, groups, g, b, 1e-3), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape,groups", CASES[:5])
def test_gradients(shape, groups, grads):
    x, g, b = _data(shape, numpy.float64, numpy.random.default_rng(1))
    grads(lambda x, g, b: F.group_normalization(x, groups, g, b), (x, g, b))


@pytest.mark.parametrize("xdtype,pdtype", [(numpy.float16, numpy.float32),
                                           (numpy.float64, numpy.float32)])
def test_mixed_dtypes(xdtype, pdtype):
    x, g, b = _data((2, 4, 3), xdtype, numpy.random.default_rng(2), pdtype)
    vs = [rechain.Variable(a) for a in (x, g, b)]
    y = F.group_normalization(*vs[:1], 2, *vs[1:])
    assert y.dtype == xdtype
    numpy.testing.assert_allclose(y.array, ref(x, 2, g, b, 1e-5), rtol=1e-2, atol=1e-2)
    F.sum(y * y).backward()
    assert [v.grad.dtype for v in vs] == [xdtype, pdtype, pdtype]


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain_fx):
    x, g, b = _data((2, 6, 3), numpy.float64, numpy.random.default_rng(3))
    forget_matches_plain_fx(lambda x, g, b: F.group_normalization(x, 3, g, b), (x, g, b))


def test_bad_input():
    x = numpy.zeros((2, 6, 3), numpy.float32)
    c = numpy.ones(6, numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"group_normalization: groups=4 must divide the 6 channels of x "
                             r"\(2, 6, 3\)"):
        F.group_normalization(x, 4, c, c)
    with pytest.raises(type_check.InvalidType,
                       match=r"group_normalization: gamma of shape \(3,\) does not match x "
                             r"\(2, 6, 3\): expected \(6,\)"):
        F.group_normalization(x, 3, c[:3], c)
    with pytest.raises(type_check.InvalidType,
                       match=r"group_normalization: beta must have dtype float32 like gamma"):
        F.group_normalization(x, 3, c, c.astype(numpy.float64))
    with pytest.raises(ValueError, match=r"group_normalization: groups must be positive, got 0"):
        F.group_normalization(x, 0, c, c)
    with pytest.raises(TypeError, match=r"group_normalization: groups must be an int, got 3.5"):
        F.group_normalization(x, 3.5, c, c)
    with pytest.raises(type_check.InvalidType,
                       match=r"group_normalization: x must have at least 2 dimensions"):
        F.group_normalization(numpy.zeros(6, numpy.float32), 3, c, c)

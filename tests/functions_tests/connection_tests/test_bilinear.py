import numpy
import pytest

import rechain.functions as F
from rechain.utils import type_check


def ref(e1, e2, W, V1=None, V2=None, b=None):
    n = e1.shape[0]
    a, c = e1.reshape(n, -1), e2.reshape(n, -1)
    y = numpy.zeros((n, W.shape[2]))
    for i in range(n):
        for ll in range(W.shape[2]):
            y[i, ll] = a[i] @ W[:, :, ll] @ c[i]
    if V1 is not None:
        y += a @ V1 + c @ V2 + b
    return y


def _data(n, js, ks, ll, bias, dtype, rng):
    j, k = int(numpy.prod(js)), int(numpy.prod(ks))
    arrays = [rng.uniform(-1, 1, (n,) + js), rng.uniform(-1, 1, (n,) + ks),
              rng.uniform(-1, 1, (j, k, ll))]
    if bias:
        arrays += [rng.uniform(-1, 1, (j, ll)), rng.uniform(-1, 1, (k, ll)),
                   rng.uniform(-1, 1, ll)]
    return [a.astype(dtype) for a in arrays]


CASES = [(4, (3,), (2,), 5, True), (3, (2, 2), (3,), 2, False), (1, (1,), (4,), 3, True)]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("n,js,ks,ll,bias", CASES)
def test_forward_against_loops(n, js, ks, ll, bias, dtype):
    args = _data(n, js, ks, ll, bias, dtype, numpy.random.default_rng(0))
    y = F.bilinear(*args)
    assert y.dtype == dtype and y.shape == (n, ll)
    numpy.testing.assert_allclose(y.array, ref(*args), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n,js,ks,ll,bias", CASES)
def test_gradients(n, js, ks, ll, bias, grads):
    grads(F.bilinear, _data(n, js, ks, ll, bias, numpy.float64, numpy.random.default_rng(1)))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain_fx):
    args = _data(3, (3,), (2,), 4, True, numpy.float64, numpy.random.default_rng(2))
    forget_matches_plain_fx(lambda e1, *rest: F.bilinear(F.tanh(e1), *rest), args)


def test_mixed_dtypes():
    args = _data(3, (3,), (2,), 4, True, numpy.float64, numpy.random.default_rng(3))
    mixed = [a.astype(numpy.float32) if i % 2 else a for i, a in enumerate(args)]
    y = F.bilinear(*mixed)
    assert y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, ref(*mixed), rtol=1e-6)


def test_bad_input():
    e1, e2, W = (numpy.zeros(s, numpy.float32) for s in ((2, 3), (2, 4), (3, 4, 5)))
    with pytest.raises(ValueError, match="bilinear: V1, V2 and b must be given all together"):
        F.bilinear(e1, e2, W, numpy.zeros((3, 5), numpy.float32))
    with pytest.raises(type_check.InvalidType,
                       match=r"bilinear: W \(3, 4, 5\) must have shape \(3, 2, L\) for e1 "
                             r"\(2, 3\) and e2 \(2, 2\)"):
        F.bilinear(e1, e2[:, :2], W)
    with pytest.raises(type_check.InvalidType,
                       match=r"bilinear: e1 \(2, 3\) and e2 \(3, 4\) must have the same batch"):
        F.bilinear(e1, numpy.zeros((3, 4), numpy.float32), W)
    with pytest.raises(type_check.InvalidType, match=r"bilinear: W must have a floating-point"):
        F.bilinear(e1, e2, W.astype(numpy.int32))
    with pytest.raises(type_check.InvalidType, match=r"bilinear: V2 must have shape \(4, 5\)"):
        F.bilinear(e1, e2, W, numpy.zeros((3, 5), numpy.float32),
                   numpy.zeros((3, 5), numpy.float32), numpy.zeros(5, numpy.float32))

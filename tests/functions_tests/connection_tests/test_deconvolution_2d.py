import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}


def naive_deconv(x, W, b, stride, pad, dilate, groups, outsize=None):
    """Scatter every input pixel times the filter into the output (tests only)."""
    n, c, h, w = x.shape
    _, ocg, kh, kw = W.shape
    icg = c // groups
    oc = ocg * groups
    if outsize is None:
        outsize = tuple(stride * (s - 1) + (k - 1) * dilate + 1 - 2 * pad
                        for s, k in ((h, kh), (w, kw)))
    oh, ow = outsize
    y = numpy.zeros((n, oc, oh, ow))
    for b_ in range(n):
        for ci in range(c):
            g = ci // icg
            for yy in range(h):
                for xx in range(w):
                    for co in range(ocg):
                        for i in range(kh):
                            for j in range(kw):
                                r = yy * stride - pad + i * dilate
                                s = xx * stride - pad + j * dilate
                                if 0 <= r < oh and 0 <= s < ow:
                                    y[b_, g * ocg + co, r, s] += x[b_, ci, yy, xx] * W[ci, co, i, j]
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


# (x shape, W shape, stride, pad, dilate, groups, outsize)
CASES = [
    ((2, 2, 3, 3), (2, 3, 3, 3), 1, 0, 1, 1, None),
    ((2, 2, 3, 3), (2, 3, 3, 3), 2, 1, 1, 1, None),
    ((2, 2, 3, 3), (2, 3, 3, 3), 2, 1, 1, 1, (6, 6)),   # one extra row/col
    ((1, 2, 2, 3), (2, 2, 2, 2), 2, 0, 2, 1, None),
    ((2, 2, 3, 3), (2, 2, 3, 3), 1, 1, 1, 2, None),
    ((1, 4, 3, 2), (4, 1, 2, 3), 2, 1, 2, 2, None),
    ((1, 1, 3, 3), (1, 1, 2, 2), 2, 0, 1, 1, (5, 5)),   # transposes a cover_all conv
]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,outsize", CASES)
def test_forward(xs, ws, stride, pad, dilate, groups, outsize, dtype):
    rng = numpy.random.default_rng(0)
    x = rng.uniform(-1, 1, xs).astype(dtype)
    W = rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[1] * groups).astype(dtype)
    y = F.deconvolution_2d(x, W, b, stride=stride, pad=pad, outsize=outsize, dilate=dilate,
                           groups=groups)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(
        y.array, naive_deconv(x, W, b, stride, pad, dilate, groups, outsize),
        rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,outsize", CASES)
def test_backward_and_double_backward(xs, ws, stride, pad, dilate, groups, outsize, dtype):
    rng = numpy.random.default_rng(1)
    x = rng.uniform(-1, 1, xs).astype(dtype)
    W = rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[1] * groups).astype(dtype)
    args = (x, W, b)

    def f(*a):
        return F.deconvolution_2d(*a, stride=stride, pad=pad, outsize=outsize,
                                  dilate=dilate, groups=groups)

    def f2(*a):
        y = f(*a)
        return y * y

    gy = rng.uniform(-1, 1, f(*args).shape).astype(dtype)
    gradient_check.check_backward(f, args, gy, seed=0, **TOL[dtype])
    ggs = tuple(rng.uniform(-1, 1, a.shape).astype(dtype) for a in args)
    gradient_check.check_double_backward(f2, args, gy, ggs, seed=0, **TOL[dtype])


def test_is_adjoint_of_convolution():
    rng = numpy.random.default_rng(2)
    x = rng.uniform(-1, 1, (2, 4, 7, 6))
    W = rng.uniform(-1, 1, (6, 2, 3, 2))
    y = F.convolution_2d(x, W, stride=2, pad=1, dilate=(1, 2), groups=2)
    u = rng.uniform(-1, 1, y.shape)
    z = F.deconvolution_2d(u, W, stride=2, pad=1, dilate=(1, 2), groups=2, outsize=(7, 6))
    numpy.testing.assert_allclose((y.array * u).sum(), (x * z.array).sum(), rtol=1e-10)


def test_bad_channel_mismatch():
    with pytest.raises(type_check.InvalidType,
                       match=r"deconvolution_2d: x \(1, 3, 2, 2\) has 3 channels but "
                             r"W \(2, 4, 3, 3\) expects W.shape\[0\] = 2"):
        F.deconvolution_2d(numpy.zeros((1, 3, 2, 2), numpy.float32),
                           numpy.zeros((2, 4, 3, 3), numpy.float32))


def test_bad_groups():
    with pytest.raises(type_check.InvalidType,
                       match=r"deconvolution_2d: groups=2 must divide.*input channels \(3\)"):
        F.deconvolution_2d(numpy.zeros((1, 3, 2, 2), numpy.float32),
                           numpy.zeros((3, 4, 3, 3), numpy.float32), groups=2)


def test_bad_outsize():
    with pytest.raises(type_check.InvalidType,
                       match=r"deconvolution_2d: outsize \(9, 9\) is inconsistent with x "
                             r"\(1, 2, 3, 3\), W \(2, 3, 3, 3\)"):
        F.deconvolution_2d(numpy.zeros((1, 2, 3, 3), numpy.float32),
                           numpy.zeros((2, 3, 3, 3), numpy.float32), stride=2, outsize=(9, 9))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    rng = numpy.random.default_rng(3)
    x = rng.uniform(-1, 1, (1, 4, 3, 2)).astype(numpy.float32)
    W = rng.uniform(-1, 1, (4, 1, 2, 3)).astype(numpy.float32)
    y = F.deconvolution_2d(cp.asarray(x), cp.asarray(W), stride=2, pad=1, dilate=2, groups=2)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), naive_deconv(x, W, None, 2, 1, 2, 2),
                                  rtol=1e-4, atol=1e-4)

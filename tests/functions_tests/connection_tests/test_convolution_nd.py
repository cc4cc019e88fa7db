import itertools
import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


def _outsize(size, k, s, p, d, cover_all):
    dk = (k - 1) * d + 1
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def _t(v, n):
    return tuple(v) if isinstance(v, tuple) else (v,) * n


def naive_conv_nd(x, W, b, stride, pad, dilate, groups, cover_all=False):
    """Loop over every output element and filter tap (tests only)."""
    nd = x.ndim - 2
    stride, pad, dilate = _t(stride, nd), _t(pad, nd), _t(dilate, nd)
    n, c = x.shape[:2]
    oc, icg = W.shape[:2]
    ks = W.shape[2:]
    outs = tuple(_outsize(x.shape[2 + i], ks[i], stride[i], pad[i], dilate[i], cover_all)
                 for i in range(nd))
    ocg = oc // groups
    y = numpy.zeros((n, oc) + outs)
    for o in range(oc):
        g = o // ocg
        for pos in itertools.product(*(range(v) for v in outs)):
            acc = numpy.zeros(n)
            for taps in itertools.product(*(range(k) for k in ks)):
                src = tuple(pos[i] * stride[i] - pad[i] + taps[i] * dilate[i]
                            for i in range(nd))
                if all(0 <= src[i] < x.shape[2 + i] for i in range(nd)):
                    acc += x[(slice(None), slice(g * icg, (g + 1) * icg)) + src].dot(
                        W[(o, slice(None)) + taps])
            y[(slice(None), o) + pos] = acc + (0 if b is None else b[o])
    return y


def naive_deconv_nd(x, W, b, stride, pad, dilate, groups, outsize):
    """Scatter every input element through the filter (tests only)."""
    nd = x.ndim - 2
    stride, pad, dilate = _t(stride, nd), _t(pad, nd), _t(dilate, nd)
    n, c = x.shape[:2]
    ocg = W.shape[1]
    icg = c // groups
    ks = W.shape[2:]
    y = numpy.zeros((n, ocg * groups) + tuple(outsize))
    for ci in range(c):
        g = ci // icg
        for pos in itertools.product(*(range(v) for v in x.shape[2:])):
            for taps in itertools.product(*(range(k) for k in ks)):
                dst = tuple(pos[i] * stride[i] - pad[i] + taps[i] * dilate[i]
                            for i in range(nd))
                if all(0 <= dst[i] < outsize[i] for i in range(nd)):
                    y[(slice(None), slice(g * ocg, (g + 1) * ocg)) + dst] += \
                        x[(slice(None), ci) + pos][:, None] * W[(ci, slice(None)) + taps]
    if b is not None:
        y += b.reshape((1, -1) + (1,) * nd)
    return y


# (x shape, W shape, stride, pad, dilate, groups, cover_all)
CASES = [
    ((2, 3, 7), (4, 3, 3), 1, 0, 1, 1, False),
    ((2, 2, 8), (2, 2, 2), 3, 1, 2, 1, True),
    ((1, 4, 6), (6, 2, 3), 2, 1, 1, 2, False),
    ((2, 2, 4, 5), (3, 2, 2, 3), (2, 1), (1, 0), 1, 1, False),
    ((1, 2, 4, 4, 3), (2, 2, 2, 3, 2), 1, (1, 0, 1), (1, 1, 2), 1, False),
    ((1, 2, 5, 4, 4), (4, 1, 3, 2, 2), 2, 1, 1, 2, True),
]


def _data(xs, ws, rng, dtype=numpy.float64):
    return (rng.uniform(-1, 1, xs).astype(dtype), rng.uniform(-1, 1, ws).astype(dtype),
            rng.uniform(-1, 1, ws[0]).astype(dtype))


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,cover_all", CASES)
def test_convolution_forward(xs, ws, stride, pad, dilate, groups, cover_all, dtype):
    x, W, b = _data(xs, ws, numpy.random.default_rng(0), dtype)
    y = F.convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)
    assert y.dtype == dtype
    ref = naive_conv_nd(x, W, b, stride, pad, dilate, groups, cover_all)
    assert y.shape == ref.shape
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-5)
    y2 = F.convolution_nd(x, W, None, stride, pad, cover_all, dilate, groups)
    numpy.testing.assert_allclose(y2.array, ref - b.reshape((1, -1) + (1,) * (x.ndim - 2)),
                                  rtol=1e-5, atol=1e-5)


def test_1d_and_3d_wrappers():
    rng = numpy.random.default_rng(1)
    x, W, b = _data((2, 3, 7), (4, 3, 3), rng)
    numpy.testing.assert_allclose(F.convolution_1d(x, W, b, pad=1).array,
                                  naive_conv_nd(x, W, b, 1, 1, 1, 1))
    x, W, b = _data((1, 2, 3, 4, 3), (2, 2, 2, 2, 2), rng)
    numpy.testing.assert_allclose(F.convolution_3d(x, W, b, stride=2).array,
                                  naive_conv_nd(x, W, b, 2, 0, 1, 1))


@pytest.mark.parametrize("kw", [dict(stride=2, pad=1), dict(dilate=2), dict(cover_all=True),
                                dict(groups=2, stride=(1, 2))])
def test_2d_agrees_with_convolution_2d(kw):
    rng = numpy.random.default_rng(2)
    x, W, b = _data((2, 4, 6, 5), (4, 4 // kw.get("groups", 1), 3, 2), rng)
    numpy.testing.assert_allclose(F.convolution_nd(x, W, b, **kw).array,
                                  F.convolution_2d(x, W, b, **kw).array, rtol=1e-12)


@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,cover_all", CASES)
def test_convolution_backward_and_double_backward(xs, ws, stride, pad, dilate, groups,
                                                  cover_all):
    rng = numpy.random.default_rng(3)
    x, W, b = _data(xs, ws, rng)

    def f(x, W, b):
        return F.convolution_nd(x, W, b, stride, pad, cover_all, dilate, groups)
    y = f(x, W, b)
    gy = rng.normal(size=y.shape)
    gradient_check.check_backward(f, (x, W, b), gy)
    gradient_check.check_double_backward(f, (x, W, b), gy, (rng.normal(size=xs),
                                         rng.normal(size=ws), rng.normal(size=ws[0])))


# (x shape, W shape, stride, pad, dilate, groups, outsize)
DECONV_CASES = [
    ((2, 3, 4), (3, 2, 3), 1, 0, 1, 1, None),
    ((2, 2, 4), (2, 3, 2), 2, 1, 1, 1, None),
    ((1, 4, 3), (4, 1, 3), 2, 0, 2, 2, (8,)),
    ((1, 2, 3, 3), (2, 2, 2, 3), (2, 1), (0, 1), 1, 1, None),
    ((1, 2, 2, 3, 2), (2, 2, 2, 2, 3), 2, (0, 1, 0), 1, 1, (4, 5, 5)),
]


def _deconv_outsize(xs, ws, stride, pad, dilate, outsize):
    nd = len(xs) - 2
    if outsize is not None:
        return outsize
    s, p, d = _t(stride, nd), _t(pad, nd), _t(dilate, nd)
    return tuple(s[i] * (xs[2 + i] - 1) + (ws[2 + i] - 1) * d[i] + 1 - 2 * p[i]
                 for i in range(nd))


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,outsize", DECONV_CASES)
def test_deconvolution_forward(xs, ws, stride, pad, dilate, groups, outsize, dtype):
    rng = numpy.random.default_rng(4)
    x, W, _ = _data(xs, ws, rng, dtype)
    b = rng.uniform(-1, 1, ws[1] * groups).astype(dtype)
    y = F.deconvolution_nd(x, W, b, stride, pad, outsize, dilate, groups)
    assert y.dtype == dtype
    out = _deconv_outsize(xs, ws, stride, pad, dilate, outsize)
    numpy.testing.assert_allclose(y.array, naive_deconv_nd(x, W, b, stride, pad, dilate,
                                                           groups, out), rtol=1e-5, atol=1e-5)


def test_deconvolution_is_the_adjoint_of_convolution():
    rng = numpy.random.default_rng(5)
    x = rng.normal(size=(2, 4, 7, 6))
    W = rng.normal(size=(6, 2, 3, 2))
    y = F.convolution_nd(x, W, stride=2, pad=1, groups=2)
    v = rng.normal(size=y.shape)
    xt = F.deconvolution_nd(v, W, stride=2, pad=1, outsize=(7, 6), groups=2)
    numpy.testing.assert_allclose(numpy.vdot(y.array, v), numpy.vdot(x, xt.array), rtol=1e-10)


def test_1d_and_3d_deconvolution_wrappers():
    rng = numpy.random.default_rng(6)
    x, W, _ = _data((2, 3, 5), (3, 4, 3), rng)
    numpy.testing.assert_allclose(F.deconvolution_1d(x, W, stride=2).array,
                                  naive_deconv_nd(x, W, None, 2, 0, 1, 1, (11,)))
    x, W, _ = _data((1, 1, 2, 2, 2), (1, 2, 2, 2, 2), rng)
    numpy.testing.assert_allclose(F.deconvolution_3d(x, W).array,
                                  naive_deconv_nd(x, W, None, 1, 0, 1, 1, (3, 3, 3)))


@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,outsize", DECONV_CASES)
def test_deconvolution_backward_and_double_backward(xs, ws, stride, pad, dilate, groups,
                                                    outsize):
    rng = numpy.random.default_rng(7)
    x, W, _ = _data(xs, ws, rng)
    b = rng.uniform(-1, 1, ws[1] * groups)

    def f(x, W, b):
        return F.deconvolution_nd(x, W, b, stride, pad, outsize, dilate, groups)
    y = f(x, W, b)
    gy = rng.normal(size=y.shape)
    gradient_check.check_backward(f, (x, W, b), gy)
    gradient_check.check_double_backward(f, (x, W, b), gy, (rng.normal(size=xs),
                                         rng.normal(size=ws), rng.normal(size=b.shape)))


@pytest.mark.parametrize("deconv", [False, True])
def test_forget_gives_plain_outputs_and_gradients(deconv):
    rng = numpy.random.default_rng(8)
    x_data = rng.normal(size=(2, 3, 5, 4, 3))
    w_data = rng.normal(size=(3, 2, 2, 2, 2) if deconv else (2, 3, 2, 2, 2))
    b_data = rng.normal(size=2)
    fn = F.deconvolution_nd if deconv else F.convolution_nd

    def f(x, W, b):
        return F.tanh(fn(F.tanh(x), W, b, stride=2, pad=1))
    out = []
    for use in (False, True):
        x, W, b = (rechain.Variable(a.copy()) for a in (x_data, w_data, b_data))
        y = F.forget(f, x, W, b) if use else f(x, W, b)
        gx, = rechain.grad([F.sum(y * y)], [x], enable_double_backprop=True)
        F.sum(gx * gx).backward()
        out.append((y.array, gx.array, W.grad, b.grad))
    for a, c in zip(*out):
        numpy.testing.assert_array_equal(a, c)


def _e(s):
    return re.escape(s)


@pytest.mark.parametrize("call,match", [
    (lambda: F.convolution_1d(numpy.zeros((2, 3, 4, 4)), numpy.zeros((2, 3, 3))),
     _e("convolution_1d: x must be 3-d (N, C, 1 spatial axes), got shape (2, 3, 4, 4)")),
    (lambda: F.convolution_nd(numpy.zeros((2, 3, 4, 4)), numpy.zeros((2, 3, 3))),
     _e("convolution_nd: W must be 4-d (out_channels, in_channels / groups, *ksize), "
        "got shape (2, 3, 3)")),
    (lambda: F.convolution_nd(numpy.zeros((2, 3)), numpy.zeros((2, 3, 3))),
     _e("convolution_nd: x must have at least 3 dimensions (N, C, spatial...), "
        "got shape (2, 3)")),
    (lambda: F.convolution_nd(numpy.zeros((2, 4, 5)), numpy.zeros((2, 3, 3))),
     _e("convolution_nd: x (2, 4, 5) has 4 channels but W (2, 3, 3) with groups=1 expects "
        "W.shape[1] * groups = 3")),
    (lambda: F.convolution_nd(numpy.zeros((2, 4, 5)), numpy.zeros((3, 2, 3)), groups=2),
     _e("convolution_nd: groups=2 must divide the output channels W.shape[0] = 3")),
    (lambda: F.convolution_nd(numpy.zeros((2, 3, 5)), numpy.zeros((2, 3, 3)),
                              numpy.zeros(3)),
     _e("convolution_nd: b must have shape (2,) to match W (2, 3, 3), got (3,)")),
    (lambda: F.convolution_nd(numpy.zeros((2, 3, 2)), numpy.zeros((2, 3, 3))),
     _e("convolution_nd: the output would be empty ((0,)) for x (2, 3, 2), W (2, 3, 3)")),
    (lambda: F.convolution_nd(numpy.zeros((2, 3, 2), numpy.float32), numpy.zeros((2, 3, 1)),
                              numpy.zeros(2, numpy.float16)),
     _e("convolution_nd: b must have the dtype of x (float32) or of W (float64), got float16")),
    (lambda: F.convolution_3d(numpy.zeros((1, 1, 4, 4, 4)), numpy.zeros((1, 1, 2, 2, 2)),
                              stride=(1, 2)),
     _e("convolution_3d: stride must be an int or a sequence of 3 ints, got (1, 2)")),
    (lambda: F.convolution_nd(numpy.zeros((1, 1, 4)), numpy.zeros((1, 1, 2)), pad=-1),
     _e("convolution_nd: pad must be non-negative, got (-1,)")),
    (lambda: F.convolution_nd(numpy.zeros((1, 1, 4)), numpy.zeros((1, 1, 2)), groups=0),
     _e("convolution_nd: groups must be a positive int, got 0")),
    (lambda: F.deconvolution_1d(numpy.zeros((1, 2, 4)), numpy.zeros((3, 1, 2))),
     _e("deconvolution_1d: x (1, 2, 4) has 2 channels but W (3, 1, 2) expects "
        "W.shape[0] = 3")),
    (lambda: F.deconvolution_nd(numpy.zeros((1, 2, 4)), numpy.zeros((2, 1, 2)),
                                outsize=(9,)),
     _e("deconvolution_nd: outsize (9,) is inconsistent with x (1, 2, 4), W (2, 1, 2)")),
    (lambda: F.deconvolution_nd(numpy.zeros((1, 2, 4)), numpy.zeros((2, 1, 2)),
                                numpy.zeros(2)),
     _e("deconvolution_nd: b must have shape (1,) to match W (2, 1, 2), got (2,)")),
])
def test_bad_inputs(call, match):
    with pytest.raises((rechain.InvalidType, ValueError), match=match):
        call()


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    rng = numpy.random.default_rng(9)
    x, W, b = _data((2, 2, 4, 3, 5), (3, 2, 2, 2, 3), rng, numpy.float32)
    xv = rechain.Variable(cp.asarray(x))
    y = F.convolution_nd(xv, cp.asarray(W), cp.asarray(b), pad=1)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), naive_conv_nd(x, W, b, 1, 1, 1, 1),
                                  rtol=1e-4, atol=1e-4)
    F.sum(F.deconvolution_nd(y, cp.ones((3, 2, 2, 2, 3), cp.float32), pad=1)).backward()
    assert isinstance(xv.grad, cp.ndarray)

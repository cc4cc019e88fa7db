import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.functions.connection import _conv_util
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}


def _outsize(size, k, s, p, d, cover_all):
    dk = (k - 1) * d + 1
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def naive_conv(x, W, b, stride, pad, dilate, groups, cover_all=False):
    """Loop-over-everything reference (tests only)."""
    n, c, h, w = x.shape
    oc, icg, kh, kw = W.shape
    oh = _outsize(h, kh, stride, pad, dilate, cover_all)
    ow = _outsize(w, kw, stride, pad, dilate, cover_all)
    ocg = oc // groups
    y = numpy.zeros((n, oc, oh, ow))
    for b_ in range(n):
        for o in range(oc):
            g = o // ocg
            for yy in range(oh):
                for xx in range(ow):
                    acc = 0.0
                    for ci in range(icg):
                        for i in range(kh):
                            for j in range(kw):
                                r = yy * stride - pad + i * dilate
                                s = xx * stride - pad + j * dilate
                                if 0 <= r < h and 0 <= s < w:
                                    acc += W[o, ci, i, j] * x[b_, g * icg + ci, r, s]
                    y[b_, o, yy, xx] = acc + (0 if b is None else b[o])
    return y


# (x shape, W shape, stride, pad, dilate, groups, cover_all)
CASES = [
    ((2, 2, 4, 4), (3, 2, 3, 3), 1, 0, 1, 1, False),
    ((2, 2, 4, 4), (3, 2, 3, 3), 2, 1, 1, 1, False),
    ((2, 2, 5, 5), (3, 2, 2, 2), 2, 0, 1, 1, True),
    ((2, 2, 5, 5), (3, 2, 2, 2), 1, 1, 2, 1, False),
    ((2, 2, 4, 4), (4, 1, 3, 3), 1, 1, 1, 2, False),
    ((1, 4, 5, 4), (2, 2, 2, 3), 2, 1, 2, 2, True),
]


def _data(xs, ws, dtype, rng):
    x = rng.uniform(-1, 1, xs).astype(dtype)
    W = rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[0]).astype(dtype)
    return x, W, b


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,cover_all", CASES)
def test_forward(xs, ws, stride, pad, dilate, groups, cover_all, dtype):
    x, W, b = _data(xs, ws, dtype, numpy.random.default_rng(0))
    y = F.convolution_2d(x, W, b, stride=stride, pad=pad, cover_all=cover_all,
                         dilate=dilate, groups=groups)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(
        y.array, naive_conv(x, W, b, stride, pad, dilate, groups, cover_all),
        rtol=1e-5, atol=1e-5)


def test_forward_no_bias_rectangular_params():
    rng = numpy.random.default_rng(1)
    x, W, _ = _data((1, 2, 6, 5), (2, 2, 3, 2), numpy.float64, rng)
    y = F.convolution_2d(x, W, stride=(2, 1), pad=(1, 0))
    # Compare each dimension's parameters with a naive conv on a transposed problem.
    ref = numpy.zeros(y.shape)
    xp = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    for o in range(2):
        for yy in range(y.shape[2]):
            for xx in range(y.shape[3]):
                ref[0, o, yy, xx] = (xp[0, :, 2 * yy:2 * yy + 3, xx:xx + 2] * W[o]).sum()
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-10)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,cover_all", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_backward(xs, ws, stride, pad, dilate, groups, cover_all, dtype, with_bias):
    rng = numpy.random.default_rng(2)
    x, W, b = _data(xs, ws, dtype, rng)
    args = (x, W, b) if with_bias else (x, W)

    def f(*a):
        return F.convolution_2d(*a, stride=stride, pad=pad, cover_all=cover_all,
                                dilate=dilate, groups=groups)

    gy = rng.uniform(-1, 1, f(*args).shape).astype(dtype)
    gradient_check.check_backward(f, args, gy, seed=0, **TOL[dtype])


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,stride,pad,dilate,groups,cover_all", CASES)
def test_double_backward(xs, ws, stride, pad, dilate, groups, cover_all, dtype):
    rng = numpy.random.default_rng(3)
    x, W, b = _data(xs, ws, dtype, rng)
    args = (x, W, b)

    def f(*a):
        y = F.convolution_2d(*a, stride=stride, pad=pad, cover_all=cover_all,
                             dilate=dilate, groups=groups)
        return y * y

    gy = rng.uniform(-1, 1, f(*args).shape).astype(dtype)
    ggs = tuple(rng.uniform(-1, 1, a.shape).astype(dtype) for a in args)
    gradient_check.check_double_backward(f, args, gy, ggs, seed=0, **TOL[dtype])


def test_gradient_of_x_is_adjoint():
    """<conv(x), gy> == <x, gx>: the input gradient is the exact adjoint."""
    rng = numpy.random.default_rng(4)
    x, W, _ = _data((2, 2, 5, 5), (3, 2, 3, 3), numpy.float64, rng)
    xv = rechain.Variable(x)
    y = F.convolution_2d(xv, W, stride=2, pad=1)
    gy = rng.uniform(-1, 1, y.shape)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose((y.array * gy).sum(), (x * xv.grad).sum(), rtol=1e-10)


def test_im2col_col2im_adjoint():
    rng = numpy.random.default_rng(5)
    x = rng.uniform(-1, 1, (2, 3, 5, 6))
    oh, ow = _outsize(5, 3, 2, 1, 2, True), _outsize(6, 2, 1, 0, 1, True)
    col = _conv_util.im2col(x, 3, 2, 2, 1, 1, 0, oh, ow, 2, 1)
    c = rng.uniform(-1, 1, col.shape)
    back = _conv_util.col2im(c, 5, 6, 2, 1, 1, 0, 2, 1)
    assert back.shape == x.shape
    numpy.testing.assert_allclose((col * c).sum(), (x * back).sum(), rtol=1e-10)


def test_bad_channel_mismatch():
    with pytest.raises(type_check.InvalidType,
                       match=r"convolution_2d: x \(2, 3, 4, 4\) has 3 channels but "
                             r"W \(5, 2, 3, 3\).*expects W.shape\[1\] \* groups = 2"):
        F.convolution_2d(numpy.zeros((2, 3, 4, 4), numpy.float32),
                         numpy.zeros((5, 2, 3, 3), numpy.float32))


def test_bad_groups_not_dividing_channels():
    with pytest.raises(type_check.InvalidType,
                       match=r"convolution_2d: groups=2 must divide.*input channels \(3\).*"
                             r"x \(2, 3, 4, 4\), W \(4, 1, 3, 3\)"):
        F.convolution_2d(numpy.zeros((2, 3, 4, 4), numpy.float32),
                         numpy.zeros((4, 1, 3, 3), numpy.float32), groups=2)


def test_bad_groups_not_dividing_out_channels():
    with pytest.raises(type_check.InvalidType,
                       match=r"convolution_2d: groups=2.*output channels \(3\)"):
        F.convolution_2d(numpy.zeros((2, 4, 4, 4), numpy.float32),
                         numpy.zeros((3, 2, 3, 3), numpy.float32), groups=2)


def test_bad_kernel_larger_than_input():
    with pytest.raises(type_check.InvalidType,
                       match=r"convolution_2d: the output would be empty.*x \(1, 1, 2, 2\), "
                             r"W \(1, 1, 3, 3\)"):
        F.convolution_2d(numpy.zeros((1, 1, 2, 2), numpy.float32),
                         numpy.zeros((1, 1, 3, 3), numpy.float32))


def test_bad_ndim_and_bias():
    with pytest.raises(type_check.InvalidType, match=r"convolution_2d: x must be 4-d.*\(2, 3\)"):
        F.convolution_2d(numpy.zeros((2, 3), numpy.float32),
                         numpy.zeros((1, 1, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType, match=r"convolution_2d: b must have shape \(3,\)"):
        F.convolution_2d(numpy.zeros((1, 2, 4, 4), numpy.float32),
                         numpy.zeros((3, 2, 3, 3), numpy.float32),
                         numpy.zeros((2,), numpy.float32))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x, W, b = _data((2, 4, 5, 4), (2, 2, 2, 3), numpy.float32, numpy.random.default_rng(6))
    y = F.convolution_2d(cp.asarray(x), cp.asarray(W), cp.asarray(b), stride=2, pad=1,
                         dilate=2, groups=2, cover_all=True)
    numpy.testing.assert_allclose(cp.asnumpy(y.array),
                                  naive_conv(x, W, b, 2, 1, 2, 2, True), rtol=1e-4, atol=1e-4)
    xv = rechain.Variable(cp.asarray(x))
    F.sum(F.convolution_2d(xv, cp.asarray(W), stride=2, groups=2) ** 2).backward()
    xc = rechain.Variable(x)
    F.sum(F.convolution_2d(xc, W, stride=2, groups=2) ** 2).backward()
    numpy.testing.assert_allclose(cp.asnumpy(xv.grad), xc.grad, rtol=1e-4, atol=1e-4)

import numpy
import pytest

import rechain.functions as F
from rechain.utils import type_check


def ref_conv(x, W, b, stride, pad, dilate=(1, 1)):
    """Plain loops over output positions (tests only)."""
    n, c, h, w = x.shape
    oc, icg, kh, kw = W.shape
    (sy, sx), (ph, pw), (dy, dx) = stride, pad, dilate
    xp = numpy.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - (kh - 1) * dy - 1) // sy + 1
    ow = (w + 2 * pw - (kw - 1) * dx - 1) // sx + 1
    y = numpy.zeros((n, oc, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sy:i * sy + (kh - 1) * dy + 1:dy,
                       j * sx:j * sx + (kw - 1) * dx + 1:dx]
            y[:, :, i, j] = numpy.einsum("ncab,ocab->no", patch, W)
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def ref_depthwise(x, W, b, stride, pad):
    m, c = W.shape[:2]
    y = numpy.concatenate([ref_conv(x[:, ci:ci + 1], W[:, ci:ci + 1], None, stride, pad)
                           for ci in range(c)], axis=1)   # channel ci * m + mi
    return y if b is None else y + b.reshape(1, -1, 1, 1)


DW_CASES = [((2, 3, 5, 4), (2, 3, 3, 3), True, 1, 0), ((1, 2, 6, 6), (3, 2, 2, 3), False, 2, 1),
            ((2, 4, 4, 5), (1, 4, 3, 2), True, (1, 2), (1, 0))]


def _pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws,bias,stride,pad", DW_CASES)
def test_depthwise_forward_against_loops(xs, ws, bias, stride, pad, dtype):
    rng = numpy.random.default_rng(0)
    x, W = rng.uniform(-1, 1, xs).astype(dtype), rng.uniform(-1, 1, ws).astype(dtype)
    b = rng.uniform(-1, 1, ws[0] * ws[1]).astype(dtype) if bias else None
    y = F.depthwise_convolution_2d(x, W, b, stride, pad)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ref_depthwise(x, W, b, _pair(stride), _pair(pad)),
                                  rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs,ws,bias,stride,pad", DW_CASES[:2])
def test_depthwise_gradients(xs, ws, bias, stride, pad, grads):
    rng = numpy.random.default_rng(1)
    x, W = rng.uniform(-1, 1, xs), rng.uniform(-1, 1, ws)
    if bias:
        grads(lambda x, W, b: F.depthwise_convolution_2d(x, W, b, stride, pad),
              (x, W, rng.uniform(-1, 1, ws[0] * ws[1])))
    else:
        grads(lambda x, W: F.depthwise_convolution_2d(x, W, None, stride, pad), (x, W))


DIL_CASES = [((2, 2, 7, 7), (3, 2, 3, 3), 1, 0, 2), ((1, 3, 8, 6), (2, 3, 2, 2), 2, 1, (2, 1))]


@pytest.mark.parametrize("xs,ws,stride,pad,dilate", DIL_CASES)
def test_dilated_forward_and_gradients(xs, ws, stride, pad, dilate, grads):
    rng = numpy.random.default_rng(2)
    x, W, b = rng.uniform(-1, 1, xs), rng.uniform(-1, 1, ws), rng.uniform(-1, 1, ws[0])
    y = F.dilated_convolution_2d(x, W, b, stride, pad, dilate)
    numpy.testing.assert_allclose(
        y.array, ref_conv(x, W, b, _pair(stride), _pair(pad), _pair(dilate)), rtol=1e-10)
    grads(lambda x, W, b: F.dilated_convolution_2d(x, W, b, stride, pad, dilate), (x, W, b))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain_fx):
    rng = numpy.random.default_rng(3)
    x, W = rng.uniform(-1, 1, (2, 3, 5, 4)), rng.uniform(-1, 1, (2, 3, 3, 3))
    forget_matches_plain_fx(lambda x, W: F.depthwise_convolution_2d(F.tanh(x), W, pad=1),
                            (x, W))
    forget_matches_plain_fx(lambda x, W: F.dilated_convolution_2d(F.tanh(x), W[:, :, :2, :2],
                                                                  dilate=2), (x, W))


def test_bad_input():
    x = numpy.zeros((2, 3, 5, 5), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"depthwise_convolution_2d: W \(2, 4, 3, 3\) has 4 input channels "
                             r"\(axis 1\), but x \(2, 3, 5, 5\) has 3"):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 4, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType,
                       match=r"depthwise_convolution_2d: b must have shape \(6,\)"):
        F.depthwise_convolution_2d(x, numpy.zeros((2, 3, 3, 3), numpy.float32),
                                   numpy.zeros(3, numpy.float32))
    with pytest.raises(type_check.InvalidType,
                       match=r"depthwise_convolution_2d: x must be 4-d"):
        F.depthwise_convolution_2d(x[0], numpy.zeros((2, 3, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType,
                       match=r"dilated_convolution_2d: the output would be empty"):
        F.dilated_convolution_2d(x, numpy.zeros((1, 3, 3, 3), numpy.float32), dilate=3)
    with pytest.raises(type_check.InvalidType,
                       match=r"dilated_convolution_2d: W must have a floating-point dtype"):
        F.dilated_convolution_2d(x, numpy.zeros((1, 3, 3, 3), numpy.int32), dilate=2)

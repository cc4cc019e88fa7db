import numpy
import pytest

import rechain.functions as F
from rechain.utils import type_check


def _interp(img, y, x):
    """Bilinear interpolation of img (C, H, W) at (y, x), zero outside (tests only)."""
    h, w = img.shape[1:]
    y0, x0 = int(numpy.floor(y)), int(numpy.floor(x))
    out = numpy.zeros(img.shape[0])
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < h and 0 <= xx < w:
                out += wy * wx * img[:, yy, xx]
    return out


def ref(x, offset, W, b, stride, pad):
    n, c = x.shape[:2]
    oc, _, kh, kw = W.shape
    oh, ow = offset.shape[2:]
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    y = numpy.zeros((n, oc, oh, ow))
    for i in range(n):
        for a in range(oh):
            for bb in range(ow):
                for ki in range(kh):
                    for kj in range(kw):
                        k = ki * kw + kj
                        py = a * stride + ki + offset[i, kh * kw + k, a, bb]
                        px = bb * stride + kj + offset[i, k, a, bb]
                        v = _interp(xp[i], py, px)
                        y[i, :, a, bb] += W[:, :, ki, kj] @ v
    return y if b is None else y + b.reshape(1, -1, 1, 1)


def _data(rng, n=2, c=3, h=5, w=6, oc=2, k=3, stride=1, pad=1, spread=0.8):
    oh, ow = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
    x = rng.uniform(-1, 1, (n, c, h, w))
    # offsets whose fractional parts stay away from the kinks at integers
    whole = rng.integers(-1, 2, (n, 2 * k * k, oh, ow))
    frac = rng.uniform(0.2, 0.8, whole.shape)
    offset = (whole + frac) * spread
    return x, offset, rng.uniform(-1, 1, (oc, c, k, k)), rng.uniform(-1, 1, oc), stride, pad


@pytest.mark.parametrize("stride,pad", [(1, 1), (2, 0), (1, 2)])
def test_forward_against_loops(stride, pad):
    x, off, W, b, s, p = _data(numpy.random.default_rng(0), stride=stride, pad=pad)
    y = F.deformable_convolution_2d_sampler(x, off, W, b, s, p)
    numpy.testing.assert_allclose(y.array, ref(x, off, W, b, s, p), rtol=1e-10, atol=1e-12)


def test_zero_offsets_give_the_convolution():
    x, off, W, b, s, p = _data(numpy.random.default_rng(1))
    y = F.deformable_convolution_2d_sampler(x.astype(numpy.float32), 0 * off.astype("f"),
                                            W.astype("f"), b.astype("f"), s, p)
    assert y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, F.convolution_2d(x, W, b, s, p).array, rtol=1e-5,
                                  atol=1e-5)


def test_gradients(grads):
    x, off, W, b, s, p = _data(numpy.random.default_rng(2), n=1, c=2, h=4, w=4, spread=0.3)
    grads(lambda x, off, W, b: F.deformable_convolution_2d_sampler(x, off, W, b, s, p),
          (x, off, W, b), eps=1e-4)


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain_fx):
    x, off, W, b, s, p = _data(numpy.random.default_rng(3))
    forget_matches_plain_fx(
        lambda x, off, W: F.deformable_convolution_2d_sampler(F.tanh(x), off, W, None, s, p),
        (x, off, W))


def test_bad_input():
    x = numpy.zeros((2, 3, 5, 5), numpy.float32)
    W = numpy.zeros((4, 3, 3, 3), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"deformable_convolution_2d_sampler: offset \(2, 9, 3, 3\) must "
                             r"have shape \(2, 18, out_h, out_w\)"):
        F.deformable_convolution_2d_sampler(x, numpy.zeros((2, 9, 3, 3), numpy.float32), W)
    with pytest.raises(type_check.InvalidType,
                       match=r"deformable_convolution_2d_sampler: W \(4, 2, 3, 3\) has 2 input "
                             r"channels"):
        F.deformable_convolution_2d_sampler(x, numpy.zeros((2, 18, 3, 3), numpy.float32),
                                            W[:, :2])
    with pytest.raises(type_check.InvalidType,
                       match=r"deformable_convolution_2d_sampler: x, offset, W and b must have "
                             r"one dtype"):
        F.deformable_convolution_2d_sampler(x, numpy.zeros((2, 18, 3, 3)), W)

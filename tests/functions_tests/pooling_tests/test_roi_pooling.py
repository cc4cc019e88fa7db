"""RoI pooling and RoI align against loop references of Chainer's rules."""

import math

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def _bins(lo, hi, n_out, limit, plus_one):
    lo, hi = int(numpy.rint(lo)), int(numpy.rint(hi))
    stride = max(hi - lo + (1 if plus_one else 0), 1) / n_out
    out = []
    for i in range(n_out):
        s = min(max(math.floor(i * stride) + lo, 0), limit)
        e = min(max(math.ceil((i + 1) * stride) + lo, 0), limit)
        out.append((s, e))
    return out


def ref_pool(x, batch, boxes, outsize, plus_one, mode, fill):
    """boxes: (R, 4) y_min, x_min, y_max, x_max already scaled."""
    r, c = len(boxes), x.shape[1]
    h, w = x.shape[2:]
    y = numpy.full((r, c) + outsize, float(fill))
    for i, (b, (y0, x0, y1, x1)) in enumerate(zip(batch, boxes)):
        for oy, (hs, he) in enumerate(_bins(y0, y1, outsize[0], h, plus_one)):
            for ox, (ws, we) in enumerate(_bins(x0, x1, outsize[1], w, plus_one)):
                if he <= hs or we <= ws:
                    continue
                part = x[b, :, hs:he, ws:we].reshape(c, -1)
                y[i, :, oy, ox] = part.max(axis=1) if mode == "max" else part.mean(axis=1)
    return y


def _bounds(p, limit):
    if p < -1 or p > limit:
        return None
    low = math.floor(p)
    if low == limit:
        low -= 1
    high = low + 1
    if low <= -1:
        p = 0.0
    elif high >= limit:
        p = float(limit - 1)
    return p, low, high


def ref_align(x, batch, rois, outsize, scale, ratio, mode):
    r, c = len(rois), x.shape[1]
    h, w = x.shape[2:]
    y = numpy.zeros((r, c) + outsize)
    for i, (b, roi) in enumerate(zip(batch, rois)):
        y0, x0, y1, x1 = (float(v) * scale for v in roi)
        eh, ew = max(y1 - y0, 1.0), max(x1 - x0, 1.0)
        bh, bw = eh / outsize[0], ew / outsize[1]
        gh = ratio[0] or math.ceil(eh / outsize[0])
        gw = ratio[1] or math.ceil(ew / outsize[1])
        for oy in range(outsize[0]):
            for ox in range(outsize[1]):
                vals = []
                for iy in range(gh):
                    by = _bounds(y0 + oy * bh + (iy + .5) * bh / gh, h)
                    for ix in range(gw):
                        bx = _bounds(x0 + ox * bw + (ix + .5) * bw / gw, w)
                        if by is None or bx is None:
                            continue
                        (py, yl, yh), (px, xl, xh) = by, bx
                        v = numpy.zeros(c)
                        for yy, xx, wt in ((yl, xl, (yh - py) * (xh - px)),
                                           (yl, xh, (yh - py) * (px - xl)),
                                           (yh, xl, (py - yl) * (xh - px)),
                                           (yh, xh, (py - yl) * (px - xl))):
                            if wt > 0 and 0 <= yy < h and 0 <= xx < w:
                                v += wt * x[b, :, yy, xx]
                        vals.append(v)
                if mode == "max":
                    y[i, :, oy, ox] = numpy.max(vals, axis=0) if vals else -numpy.inf
                else:
                    y[i, :, oy, ox] = numpy.sum(vals, axis=0) / (gh * gw) if vals else 0
    return y


def _x(shape, seed):
    n = int(numpy.prod(shape))
    return numpy.random.default_rng(seed).permutation(n).reshape(shape) * 1.0 - n / 2


ROIS = numpy.array([[0, 0, 7, 8], [1.3, 2.6, 5.2, 6.1], [-2, -1, 3, 4], [4, 5, 12, 11],
                    [2, 2, 2.4, 2.2], [6.5, 7.5, 9.5, 9.9]])
INDICES = numpy.array([0, 1, 1, 0, 1, 0], numpy.int32)


@pytest.mark.parametrize("outsize,scale", [((2, 3), 1.0), ((3, 3), 0.6), ((1, 2), 1.5)])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_roi_max_and_average_pooling_against_loops(outsize, scale, dtype):
    x = _x((2, 3, 8, 9), 0).astype(dtype)
    rois = ROIS.astype(dtype)
    boxes = (rois * dtype(scale)).astype(numpy.float64)
    ymax = F.roi_max_pooling_2d(x, rois, INDICES, outsize, scale)
    yavg = F.roi_average_pooling_2d(x, rois, INDICES, outsize, scale)
    assert ymax.dtype == dtype and ymax.shape == (6, 3) + outsize
    numpy.testing.assert_array_equal(ymax.array, ref_pool(x, INDICES, boxes, outsize, False,
                                                          "max", -numpy.inf))
    numpy.testing.assert_allclose(yavg.array, ref_pool(x, INDICES, boxes, outsize, False,
                                                       "avg", 0), rtol=1e-6)


@pytest.mark.parametrize("outh,outw,scale", [(2, 3, 1.0), (3, 2, 0.6)])
def test_roi_pooling_2d_against_loops(outh, outw, scale):
    x = _x((2, 3, 8, 9), 1).astype(numpy.float32)
    rois5 = numpy.concatenate([INDICES[:, None], ROIS[:, [1, 0, 3, 2]]], axis=1)
    rois5 = rois5.astype(numpy.float32)
    boxes = (rois5[:, 1:] * numpy.float32(scale)).astype(numpy.float64)[:, [1, 0, 3, 2]]
    y = F.roi_pooling_2d(x, rois5, outh, outw, scale)
    numpy.testing.assert_array_equal(y.array, ref_pool(x, INDICES, boxes, (outh, outw), True,
                                                       "max", 0))


@pytest.mark.parametrize("outsize,scale,ratio", [((2, 2), 1.0, None), ((3, 2), 0.7, 2),
                                                 ((2, 3), 1.2, (1, 3))])
def test_roi_align_against_loops(outsize, scale, ratio):
    x = _x((2, 3, 8, 9), 2)
    pair = ratio if isinstance(ratio, tuple) else (ratio, ratio)
    for name, mode in (("roi_average_align_2d", "avg"), ("roi_max_align_2d", "max")):
        y = getattr(F, name)(x, ROIS, INDICES, outsize, scale, ratio)
        numpy.testing.assert_allclose(y.array, ref_align(x, INDICES, ROIS, outsize, scale, pair,
                                                         mode), rtol=1e-12, atol=1e-12)


def test_roi_align_float32():
    x = _x((2, 3, 8, 9), 3).astype(numpy.float32)
    rois = numpy.array([[0, 0, 6, 6], [1, 2, 5, 8]], numpy.float32)
    idx = numpy.array([1, 0], numpy.int32)
    for name, mode in (("roi_average_align_2d", "avg"), ("roi_max_align_2d", "max")):
        y = getattr(F, name)(x, rois, idx, 3, 1.0)
        assert y.dtype == numpy.float32
        numpy.testing.assert_allclose(y.array, ref_align(x.astype(numpy.float64), idx, rois,
                                                         (3, 3), 1.0, (None, None), mode),
                                      rtol=1e-5, atol=1e-3)


IN = [0, 1, 2]   # regions whose bins all lie in the image (no -inf outputs)
GRAD_FUNCS = [
    lambda x: F.roi_max_pooling_2d(x, ROIS[IN], INDICES[IN], (2, 3), 1.0),
    lambda x: F.roi_average_pooling_2d(x, ROIS, INDICES, 2, 0.6),
    lambda x: F.roi_pooling_2d(x, numpy.concatenate([INDICES[:4, None], ROIS[:4][:, [1, 0, 3, 2]]],
                                                    axis=1), 2, 2, 1.0),
    lambda x: F.roi_average_align_2d(x, ROIS, INDICES, 2, 0.7, 2),
    lambda x: F.roi_max_align_2d(x, ROIS[IN], INDICES[IN], (2, 2), 0.7),
]


@pytest.mark.parametrize("k", range(len(GRAD_FUNCS)))
def test_gradients(k, grads):
    grads(GRAD_FUNCS[k], (_x((2, 2, 8, 9), 4),))


@pytest.mark.parametrize("k", range(len(GRAD_FUNCS)))
def test_forget_gives_plain_outputs_and_gradients(k, forget_matches_plain_fx):
    forget_matches_plain_fx(lambda x: GRAD_FUNCS[k](x * 1.5), (_x((2, 2, 8, 9), 5),))


def test_max_gradient_goes_to_the_argmax():
    x = rechain.Variable(_x((1, 1, 4, 4), 6))
    y = F.roi_max_pooling_2d(x, numpy.array([[0., 0., 4., 4.]]), numpy.array([0], numpy.int32),
                             1, 1.0)
    y.backward()
    expected = (x.array == x.array.max()).astype(numpy.float64)
    numpy.testing.assert_array_equal(x.grad, expected)


def test_bad_input():
    x = numpy.zeros((2, 3, 8, 8), numpy.float32)
    rois = numpy.zeros((2, 4), numpy.float32)
    idx = numpy.zeros(2, numpy.int32)
    with pytest.raises(type_check.InvalidType,
                       match=r"roi_max_pooling_2d: rois must have shape \(R, 4\), got \(2, 5\)"):
        F.roi_max_pooling_2d(x, numpy.zeros((2, 5), numpy.float32), idx, 2, 1.0)
    with pytest.raises(type_check.InvalidType,
                       match=r"roi_average_align_2d: roi_indices must have shape \(2,\) like "
                             r"rois \(2, 4\), got \(3,\)"):
        F.roi_average_align_2d(x, rois, numpy.zeros(3, numpy.int32), 2, 1.0)
    with pytest.raises(ValueError, match=r"roi_max_align_2d: roi_indices must lie in \[0, 2\)"):
        F.roi_max_align_2d(x, rois, numpy.array([0, 2], numpy.int32), 2, 1.0)
    with pytest.raises(TypeError, match=r"roi_average_pooling_2d: outsize must be a positive "
                                        r"int or a pair of them, got 0"):
        F.roi_average_pooling_2d(x, rois, idx, 0, 1.0)
    with pytest.raises(TypeError, match=r"roi_max_pooling_2d: spatial_scale must be a positive "
                                        r"number, got -1"):
        F.roi_max_pooling_2d(x, rois, idx, 2, -1)
    with pytest.raises(TypeError, match=r"roi_max_align_2d: sampling_ratio must be None, an "
                                        r"int >= 1"):
        F.roi_max_align_2d(x, rois, idx, 2, 1.0, sampling_ratio=0)
    with pytest.raises(type_check.InvalidType,
                       match=r"roi_pooling_2d: x must be 4-d \(N, C, H, W\), got shape"):
        F.roi_pooling_2d(x[0], numpy.zeros((2, 5), numpy.float32), 2, 2, 1.0)
    with pytest.raises(ValueError, match=r"roi_pooling_2d: the image indices rois\[:, 0\] must "
                                         r"lie in \[0, 2\)"):
        F.roi_pooling_2d(x, numpy.full((1, 5), 3, numpy.float32), 2, 2, 1.0)
    with pytest.raises(type_check.InvalidType,
                       match=r"roi_max_pooling_2d: roi_indices must have an integer dtype"):
        F.roi_max_pooling_2d(x, rois, idx.astype(numpy.float32), 2, 1.0)


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x = _x((2, 3, 8, 9), 7).astype(numpy.float32)
    for f in GRAD_FUNCS:
        numpy.testing.assert_allclose(cp.asnumpy(f(cp.asarray(x)).array), f(x).array,
                                      rtol=1e-5)

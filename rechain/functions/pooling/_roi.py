"""Machinery shared by the RoI pooling and RoI align functions.

Every such function reads, for each region ``r`` and output bin ``o``, a set
of *candidates* ``k`` (the pixels of a quantized bin, or the sampling points
of an align bin), each a weighted sum of ``J`` input pixels (one pixel with
weight 1, or the four bilinear neighbours). :class:`Geometry` holds them,
computed from the regions alone (the regions get no gradient, as in
Chainer): pixel indices ``P`` ``(R, O, K, J)`` into each image flattened to
``H * W``, weights ``Wt`` of the same shape, and which candidates exist
``valid`` ``(R, O, K)``.

The average variants are linear in x: :class:`RoiAverage` sums every valid
candidate with the bin's weights, and its adjoint :class:`RoiAverageT`
scatters back; each is the other's gradient and nothing is retained. The max
variants pick per channel the candidate of largest value (the first on ties):
:class:`RoiMax` returns it and, hidden and retained, its index (``-1`` for a
bin without candidates, whose output is the ``fill`` value); the gradient
scatters through the picked candidate (:class:`RoiPickedT`), whose gradient
gathers through it (:class:`RoiPicked`); the two close under
differentiation, like max pooling's nodes.
"""

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.utils import type_check


class Geometry:
    """Candidates of every (region, bin): see the module docstring.

    Args:
        batch (ndarray): Image of each region ``(R,)``.
        P (ndarray): int64 ``(R, O, K, J)`` flat pixel indices.
        Wt (ndarray): float64 ``(R, O, K, J)`` weights (0 where unused).
        valid (ndarray): bool ``(R, O, K)``.
        in_shape (tuple): ``(N, C, H, W)`` of x.
        outsize (tuple): ``(outh, outw)``; ``O = outh * outw``.
    """

    def __init__(self, batch, P, Wt, valid, in_shape, outsize):
        self.batch = batch
        self.P = P
        self.Wt = Wt * valid[..., None]
        self.valid = valid
        self.in_shape = tuple(in_shape)
        self.outsize = tuple(outsize)
        self._on = {}

    def on(self, xp, name):
        """Array ``name`` on the device of ``xp`` (moved once)."""
        a = getattr(self, name)
        if xp is numpy:
            return a
        if name not in self._on:
            self._on[name] = xp.asarray(a)
        return self._on[name]

    @property
    def shape(self):
        return self.P.shape   # (R, O, K, J)


def _gather(xp, x, g, P, Wt):
    """``out[r, c, o] = sum_j Wt[r, c?, o, j] * x[batch[r], c, P[r, c?, o, j]]``
    (``c?``: the channel axis of P, Wt has length C or 1)."""
    n, c, h, w = x.shape
    xf = x.reshape(n, c, h * w)
    b = g.on(xp, "batch")[:, None, None, None]
    ch = xp.arange(c)[None, :, None, None]
    vals = xf[b, ch, P]
    return (vals * Wt.astype(x.dtype, copy=False)).sum(axis=-1)


def _scatter(xp, gy, g, P, Wt):
    """Adjoint of :func:`_gather`: an ``in_shape`` image."""
    n, c, h, w = g.in_shape
    r = gy.shape[0]
    b = g.on(xp, "batch").reshape(r, 1, 1, 1)
    ch = xp.arange(c).reshape(1, c, 1, 1)
    flat = (b * c + ch) * (h * w) + P
    vals = gy[..., None] * Wt.astype(gy.dtype, copy=False)
    flat, vals = xp.broadcast_arrays(flat, vals)
    out = xp.bincount(flat.ravel(), weights=vals.ravel(), minlength=n * c * h * w)
    return out.astype(gy.dtype, copy=False).reshape(n, c, h, w)


def _all(xp, g, scale):
    """P and weights of every candidate of each bin, ``(R, 1, O, K * J)``,
    the weights times ``scale`` ``(R, O)``."""
    r, o, k, j = g.shape
    P = g.on(xp, "P").reshape(r, 1, o, k * j)
    Wt = (g.Wt * scale[:, :, None, None]).reshape(r, 1, o, k * j)
    return P, xp.asarray(Wt) if xp is not numpy else Wt


def _picked(xp, g, idx):
    """P and weights ``(R, C, O, J)`` of the candidate ``idx`` ``(R, C, O)``
    picks (weights 0 where ``idx`` is -1)."""
    P = g.on(xp, "P")
    Wt = g.on(xp, "Wt")
    r, o, k, j = P.shape
    safe = xp.maximum(idx, 0)
    ri = xp.arange(r)[:, None, None]
    oi = xp.arange(o)[None, None, :]
    Pp = P[ri, oi, safe]              # (R, C, O, J)
    Wp = Wt[ri, oi, safe] * (idx >= 0)[..., None]
    return Pp, Wp


class RoiAverage(function_node.FunctionNode):
    """``y[r, c, o] = sum over the candidates of bin o of their weighted pixels,
    times scale[r, o]``; linear, keeps nothing."""

    def __init__(self, geometry, scale, label):
        self.g = geometry
        self.scale = scale
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        P, Wt = _all(xp, self.g, self.scale)
        y = _gather(xp, x, self.g, P, Wt)
        return y.reshape(y.shape[:2] + self.g.outsize),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return None,
        return RoiAverageT(self.g, self.scale, self._label + "Grad").apply((gy,))[0],


class RoiAverageT(function_node.FunctionNode):
    """The adjoint of :class:`RoiAverage`: gy ``(R, C, outh, outw)`` -> x's shape."""

    def __init__(self, geometry, scale, label):
        self.g = geometry
        self.scale = scale
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        P, Wt = _all(xp, self.g, self.scale)
        return _scatter(xp, gy.reshape(gy.shape[:2] + (-1,)), self.g, P, Wt),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        if ggx is None:
            return None,
        return RoiAverage(self.g, self.scale, self._label[:-4]).apply((ggx,))[0],


class RoiMax(function_node.FunctionNode):
    """Input x; outputs ``(y, idx)``: per channel the largest candidate of each
    bin (``fill`` where it has none) and its index, retained for backward."""

    def __init__(self, geometry, fill, label):
        self.g = geometry
        self.fill = fill
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        g = self.g
        r, o, k, j = g.shape
        vals = _gather(xp, x, g, g.on(xp, "P").reshape(r, 1, o * k, j),
                       g.on(xp, "Wt").reshape(r, 1, o * k, j))
        c = x.shape[1]
        vals = vals.reshape(r, c, o, k)
        valid = g.on(xp, "valid")[:, None]               # (R, 1, O, K)
        vals = xp.where(valid, vals, -xp.inf)
        idx = vals.argmax(axis=-1).astype(xp.int32)       # the first on ties
        y = xp.take_along_axis(vals, idx[..., None].astype(xp.intp), axis=-1)[..., 0]
        empty = ~valid.any(axis=-1)                       # (R, 1, O)
        if bool(empty.any()):
            idx = xp.where(empty, xp.int32(-1), idx)
            y = xp.where(empty, x.dtype.type(self.fill), y)
        self.retain_outputs((1,))
        shape = (r, c) + g.outsize
        return y.astype(x.dtype, copy=False).reshape(shape), idx.reshape(shape)

    def backward(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if gy is None:
            return None,
        idx, = self.get_retained_outputs()
        return RoiPickedT(self.g, self._label + "Grad").apply((gy, idx))[0],


class RoiPickedT(function_node.FunctionNode):
    """Inputs ``(gy, idx)``: gy scattered through each bin's picked candidate."""

    def __init__(self, geometry, label):
        self.g = geometry
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        self.retain_inputs((1,))
        gy, idx = inputs
        xp = backend.get_array_module(gy)
        r, c = gy.shape[:2]
        P, Wt = _picked(xp, self.g, idx.reshape(r, c, -1))
        return _scatter(xp, gy.reshape(r, c, -1), self.g, P, Wt),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 1 or ggx is None:
                ret.append(None)
            else:
                idx, = self.get_retained_inputs()
                ret.append(RoiPicked(self.g, self._label).apply((ggx, idx))[0])
        return tuple(ret)


class RoiPicked(function_node.FunctionNode):
    """Inputs ``(x, idx)``: each bin's picked candidate of x (0 where none)."""

    def __init__(self, geometry, label):
        self.g = geometry
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        self.retain_inputs((1,))
        x, idx = inputs
        xp = backend.get_array_module(x)
        r, c = idx.shape[:2]
        P, Wt = _picked(xp, self.g, idx.reshape(r, c, -1))
        return _gather(xp, x, self.g, P, Wt).reshape(idx.shape),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 1 or gy is None:
                ret.append(None)
            else:
                idx, = self.get_retained_inputs()
                ret.append(RoiPickedT(self.g, self._label).apply((gy, idx))[0])
        return tuple(ret)


# -- arguments ---------------------------------------------------------------------------

def outsize_pair(fname, outsize):
    """``outsize`` as a pair of positive ints (TypeError otherwise, as in Chainer)."""
    pair = tuple(outsize) if isinstance(outsize, (tuple, list)) else (outsize, outsize)
    if len(pair) != 2 or not all(isinstance(v, (int, numpy.integer))
                                 and not isinstance(v, bool) and v > 0 for v in pair):
        raise TypeError(f"{fname}: outsize must be a positive int or a pair of them, got "
                        f"{outsize!r}")
    return int(pair[0]), int(pair[1])


def check_scale(fname, spatial_scale):
    if isinstance(spatial_scale, bool) or not isinstance(
            spatial_scale, (int, float, numpy.integer, numpy.floating)) or \
            not spatial_scale > 0:
        raise TypeError(f"{fname}: spatial_scale must be a positive number, got "
                        f"{spatial_scale!r}")
    return float(spatial_scale)


def check_inputs(fname, x, rois, roi_indices, ncol):
    """x ``(N, C, H, W)`` float; rois ``(R, ncol)`` float; roi_indices ``(R,)``
    integers in ``[0, N)`` (when given). Returns rois and indices as host arrays."""
    type_check.expect_float(fname, "x", x)
    if x.ndim != 4:
        raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                     f"{tuple(x.shape)}")
    rois = variable.as_array(rois)
    type_check.expect_float(fname, "rois", rois)
    if rois.ndim != 2 or rois.shape[1] != ncol:
        raise type_check.InvalidType(f"{fname}: rois must have shape (R, {ncol}), got "
                                     f"{tuple(rois.shape)}")
    rois = backend.to_cpu(rois)
    if roi_indices is None:
        return rois, None
    roi_indices = variable.as_array(roi_indices)
    type_check.expect_kind(fname, "roi_indices", roi_indices, "iu", "an integer")
    if roi_indices.shape != (rois.shape[0],):
        raise type_check.InvalidType(f"{fname}: roi_indices must have shape "
                                     f"({rois.shape[0]},) like rois {tuple(rois.shape)}, "
                                     f"got {tuple(roi_indices.shape)}")
    roi_indices = backend.to_cpu(roi_indices).astype(numpy.int64)
    if roi_indices.size and (roi_indices.min() < 0 or roi_indices.max() >= x.shape[0]):
        raise ValueError(f"{fname}: roi_indices must lie in [0, {x.shape[0]}) (the batch of "
                         f"x {tuple(x.shape)}), got [{roi_indices.min()}, "
                         f"{roi_indices.max()}]")
    return rois, roi_indices


# -- geometries ------------------------------------------------------------------------

def quantized_geometry(batch, ymin, xmin, ymax, xmax, plus_one, in_shape, outsize):
    """Bins of RoI pooling: each region's corners rounded to pixels (half to
    even), its extent ``max(end - start (+ 1), 1)`` split into ``outsize``
    bins ``[floor(i * s), ceil((i + 1) * s))`` offset by the start and clipped
    to the image; the candidates are the bin's pixels, row-major."""
    h, w = in_shape[2:]
    outh, outw = outsize

    def bins(lo, hi, n_out, limit):
        lo, hi = numpy.rint(lo).astype(numpy.int64), numpy.rint(hi).astype(numpy.int64)
        extent = numpy.maximum(hi - lo + (1 if plus_one else 0), 1)
        stride = extent.astype(numpy.float64) / n_out
        i = numpy.arange(n_out)
        start = numpy.floor(i * stride[:, None]).astype(numpy.int64) + lo[:, None]
        end = numpy.ceil((i + 1) * stride[:, None]).astype(numpy.int64) + lo[:, None]
        return numpy.clip(start, 0, limit), numpy.clip(end, 0, limit)

    hs, he = bins(ymin, ymax, outh, h)
    ws, we = bins(xmin, xmax, outw, w)
    lh = max(int((he - hs).max(initial=1)), 1)
    lw = max(int((we - ws).max(initial=1)), 1)
    dh = numpy.arange(lh)
    dw = numpy.arange(lw)
    # (R, outh, outw, lh, lw)
    rows = hs[:, :, None, None, None] + dh[None, None, None, :, None]
    cols = ws[:, None, :, None, None] + dw[None, None, None, None, :]
    valid = (rows < he[:, :, None, None, None]) & (cols < we[:, None, :, None, None])
    r = len(batch)
    P = numpy.where(valid, rows * w + cols, 0).reshape(r, outh * outw, lh * lw, 1)
    valid = valid.reshape(r, outh * outw, lh * lw)
    return Geometry(batch, P, numpy.ones(P.shape), valid, in_shape, outsize)


def align_geometry(batch, rois, spatial_scale, sampling_ratio, in_shape, outsize):
    """Sampling points of RoI align (Chainer's rule): each region ``(y0, x0,
    y1, x1) * spatial_scale`` of extent at least 1 is split into ``outsize``
    bins, each sampled on a grid of ``sampling_ratio`` (or ``ceil(extent /
    outsize)``) points at the cell centres; a point further than one pixel
    outside the image is skipped, one just outside is clamped to the border;
    its value is the bilinear interpolation of its four neighbours."""
    h, w = in_shape[2:]
    outh, outw = outsize
    dt = rois.dtype
    scale = dt.type(spatial_scale)
    start_h, start_w = rois[:, 0] * scale, rois[:, 1] * scale
    end_h, end_w = rois[:, 2] * scale, rois[:, 3] * scale
    ext_h = numpy.maximum(end_h - start_h, dt.type(1))
    ext_w = numpy.maximum(end_w - start_w, dt.type(1))
    bin_h, bin_w = ext_h / dt.type(outh), ext_w / dt.type(outw)
    sr_h, sr_w = sampling_ratio
    grid_h = (numpy.full(len(rois), sr_h) if sr_h is not None
              else numpy.ceil(ext_h / dt.type(outh)).astype(numpy.int64))
    grid_w = (numpy.full(len(rois), sr_w) if sr_w is not None
              else numpy.ceil(ext_w / dt.type(outw)).astype(numpy.int64))
    kh, kw = int(grid_h.max(initial=1)), int(grid_w.max(initial=1))

    def points(start, bin_size, grid, n_out, k, limit):
        """Coordinates ``(R, n_out, k)``, their low/high neighbours and validity."""
        i = numpy.arange(n_out, dtype=dt)[None, :, None]   # in the regions' dtype,
        g = numpy.arange(k, dtype=dt)[None, None, :]       # as Chainer's scalars are
        gs = grid[:, None, None]
        p = (start[:, None, None] + i * bin_size[:, None, None]
             + (g + dt.type(0.5)) * bin_size[:, None, None] / gs.astype(dt))
        ok = (g < gs) & (p >= -1) & (p <= limit)
        low = numpy.floor(p).astype(numpy.int64)
        low = numpy.where(low == limit, limit - 1, low)
        high = low + 1
        p = numpy.where(low <= -1, dt.type(0), numpy.where(high >= limit, dt.type(limit - 1),
                                                             p))
        return p, low, high, ok

    y, yl, yh, oky = points(start_h, bin_h, grid_h, outh, kh, h)
    x, xl, xh, okx = points(start_w, bin_w, grid_w, outw, kw, w)
    # broadcast to (R, outh, outw, kh, kw)
    y, yl, yh, oky = (a[:, :, None, :, None] for a in (y, yl, yh, oky))
    x, xl, xh, okx = (a[:, None, :, None, :] for a in (x, xl, xh, okx))
    ly, lx = y - yl, x - xl
    hy, hx = yh - y, xh - x
    corners = ((yl, xl, hy * hx), (yl, xh, hy * lx), (yh, xl, ly * hx), (yh, xh, ly * lx))
    Ps, Ws = [], []
    for yy, xx, wt in corners:
        use = (wt > 0) & (yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1)
        Ps.append(numpy.where(use, yy * w + xx, 0))
        Ws.append(numpy.where(use, wt, 0).astype(numpy.float64))
    r = len(rois)
    shape5 = (r, outh, outw, kh, kw)
    P = numpy.stack([numpy.broadcast_to(a, shape5) for a in Ps], axis=-1)
    Wt = numpy.stack([numpy.broadcast_to(a, shape5) for a in Ws], axis=-1)
    valid = numpy.broadcast_to(oky & okx, shape5)
    o, k = outh * outw, kh * kw
    geometry = Geometry(batch, P.reshape(r, o, k, 4), Wt.reshape(r, o, k, 4),
                        valid.reshape(r, o, k), in_shape, outsize)
    count = (grid_h * grid_w).astype(numpy.float64)
    return geometry, numpy.broadcast_to(1.0 / count[:, None], (r, o))


def sampling_pair(fname, sampling_ratio):
    pair = (tuple(sampling_ratio) if isinstance(sampling_ratio, (tuple, list))
            else (sampling_ratio, sampling_ratio))
    if len(pair) != 2 or not all(s is None or (isinstance(s, (int, numpy.integer))
                                               and not isinstance(s, bool) and s >= 1)
                                 for s in pair):
        raise TypeError(f"{fname}: sampling_ratio must be None, an int >= 1 or a pair of "
                        f"them, got {sampling_ratio!r}")
    return tuple(None if s is None else int(s) for s in pair)

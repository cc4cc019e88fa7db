"""deformable_convolution_2d_sampler: convolution whose taps move by learned offsets
(Dai et al. 2017).

Tap ``(i, j)`` of output position ``(oy, ox)`` reads the zero-padded input at
``(oy * sy + i + dy, ox * sx + j + dx)``, the offsets ``(dy, dx)`` given per
sample, tap and position, by bilinear interpolation with zeros outside the
padded image (Chainer's sampler: coordinates are clipped one pixel beyond
it, where the gradient of a coordinate is 0). Then the samples are
convolved with ``W``. Everything is a differentiable function of x, the
offsets and W (the gathers are :mod:`_patches`' node pair), so gradients of
every order exist for all three.
"""

from rechain import backend
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.pad import pad as _pad
from rechain.functions.array.reshape import reshape
from rechain.functions.connection import _conv_util as cu
from rechain.functions.connection._patches import take_flat
from rechain.functions.math.clip import clip
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


def _bilinear_sample(xq, py, px):
    """``xq`` ``(N, C, Hq, Wq)`` (padded by one zero pixel) sampled at pixel
    coordinates ``py``, ``px`` ``(N, *pos)`` of the image inside that ring."""
    hq, wq = xq.shape[2:]
    v = clip(py + 1.0, 0.0, float(hq - 1))
    u = clip(px + 1.0, 0.0, float(wq - 1))
    xp = backend.get_array_module(v.array)
    v0 = xp.minimum(xp.floor(v.array).astype(xp.int64), hq - 2)
    u0 = xp.minimum(xp.floor(u.array).astype(xp.int64), wq - 2)
    wv1, wu1 = v - v0.astype(v.dtype), u - u0.astype(u.dtype)
    wv0, wu0 = 1.0 - wv1, 1.0 - wu1
    n, c = xq.shape[:2]
    out = None
    for dv, wv in ((0, wv0), (1, wv1)):
        for du, wu in ((0, wu0), (1, wu1)):
            vals = take_flat(xq, (v0 + dv) * wq + (u0 + du))          # (N, C, *pos)
            w = reshape(wv * wu, (n, 1) + tuple(v.shape[1:]))
            term = vals * broadcast_to(w, vals.shape)
            out = term if out is None else out + term
    return out


def deformable_convolution_2d_sampler(x, offset, W, b=None, stride=1, pad=0):
    """Two-dimensional deformable convolution given the offsets.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        offset (Variable or ndarray): ``(N, 2 * kh * kw, out_h, out_w)``: the
            x offsets of the ``kh * kw`` taps (row-major), then their y offsets.
        W (Variable or ndarray): Filter ``(out_c, C, kh, kw)``.
        b (Variable, ndarray or None): Bias ``(out_c,)``.
        stride, pad (int or pair): Stride and zero padding.

    Returns:
        Variable: ``(N, out_c, out_h, out_w)``; with zero offsets, the
        ordinary convolution.

    Example:
        >>> x = np.ones((2, 3, 4, 7), np.float32)
        >>> off = np.zeros((2, 18, 2, 5), np.float32)
        >>> F.deformable_convolution_2d_sampler(x, off, np.ones((4, 3, 3, 3), np.float32)).shape
        (2, 4, 2, 5)
    """
    fname = "deformable_convolution_2d_sampler"
    sy, sx = cu.pair(stride, fname, "stride")
    ph, pw = cu.pair(pad, fname, "pad")
    if sy < 1 or sx < 1:
        raise ValueError(f"{fname}: stride must be positive, got {(sy, sx)}")
    if ph < 0 or pw < 0:
        raise ValueError(f"{fname}: pad must be non-negative, got {(ph, pw)}")
    if type_check.enabled():
        for name, v in (("x", x), ("offset", offset), ("W", W)):
            type_check.expect_float(fname, name, v)
            if v.ndim != 4:
                raise type_check.InvalidType(f"{fname}: {name} must be 4-d, got shape "
                                             f"{tuple(v.shape)}")
        dtypes = {v.dtype for v in (x, offset, W, b) if v is not None}
        if len(dtypes) > 1:
            raise type_check.InvalidType(f"{fname}: x, offset, W and b must have one dtype, "
                                         f"got {sorted(str(d) for d in dtypes)}")
        if W.shape[1] != x.shape[1]:
            raise type_check.InvalidType(f"{fname}: W {tuple(W.shape)} has {W.shape[1]} input "
                                         f"channels, but x {tuple(x.shape)} has {x.shape[1]}")
        kh, kw = W.shape[2:]
        if offset.shape[0] != x.shape[0] or offset.shape[1] != 2 * kh * kw:
            raise type_check.InvalidType(
                f"{fname}: offset {tuple(offset.shape)} must have shape ({x.shape[0]}, "
                f"{2 * kh * kw}, out_h, out_w): the batch of x and 2 * kh * kw for W "
                f"{tuple(W.shape)}")
        if b is not None and tuple(b.shape) != (W.shape[0],):
            raise type_check.InvalidType(f"{fname}: b must have shape ({W.shape[0]},), got "
                                         f"{tuple(b.shape)}")
    n, c = x.shape[:2]
    oc, _, kh, kw = W.shape
    oh, ow = offset.shape[2:]
    k = kh * kw
    xp = backend.get_array_module(offset.array if hasattr(offset, "creator") else offset)
    dt = offset.dtype
    # base coordinates (1, k, oh, ow) of every tap, in the conv-padded image
    ty = xp.repeat(xp.arange(kh, dtype=dt), kw).reshape(1, k, 1, 1)
    tx = xp.tile(xp.arange(kw, dtype=dt), kh).reshape(1, k, 1, 1)
    oy = (xp.arange(oh, dtype=dt) * sy).reshape(1, 1, oh, 1)
    ox = (xp.arange(ow, dtype=dt) * sx).reshape(1, 1, 1, ow)
    off = reshape(offset, (n, 2, k, oh, ow))
    dx = reshape(off[:, 0], (n, k, oh, ow))
    dy = reshape(off[:, 1], (n, k, oh, ow))
    px = dx + xp.broadcast_to(ox + tx, (n, k, oh, ow))
    py = dy + xp.broadcast_to(oy + ty, (n, k, oh, ow))
    xq = _pad(x, ((0, 0), (0, 0), (ph + 1, ph + 1), (pw + 1, pw + 1)), "constant")
    sampled = _bilinear_sample(xq, py, px)                   # (N, C, k, oh, ow)
    cols = reshape(sampled, (n, c * k, oh * ow))
    y = reshape(matmul(reshape(W, (oc, c * k)), cols), (n, oc, oh, ow))
    if b is not None:
        y = y + broadcast_to(reshape(b, (1, oc, 1, 1)), y.shape)
    return y

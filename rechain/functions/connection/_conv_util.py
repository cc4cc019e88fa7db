"""im2col / col2im and output-size arithmetic shared by convolution and pooling.

Layout: images are NCHW. A *column* array has shape ``(N, C, kh, kw, out_h,
out_w)``: ``col[n, c, i, j, y, x]`` is the input pixel that kernel tap
``(i, j)`` sees at output position ``(y, x)``. :func:`im2col` returns it as a
strided *view* of the (padded) input, so it costs nothing until a consumer
reads it; :func:`col2im` is its adjoint (scatter-add back into an image).
Both are written with ``xp`` slicing/striding only, so they run on NumPy and
CuPy alike; the only Python loops are over kernel taps, never over pixels.
"""

import itertools

from rechain import backend


def _pair(v, fname, argname):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{fname}: {argname} must be an int or a pair of ints, got {v!r}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def pair(v, fname="convolution", argname="argument"):
    """``v`` as a pair of ints (an int is used for both dimensions)."""
    return _pair(v, fname, argname)


def dilated_size(k, d):
    """Extent of a kernel of size ``k`` with dilation ``d``."""
    return (k - 1) * d + 1


def get_conv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a convolution/pooling along one dimension.

    With ``cover_all`` the last window may stick out past the padded input so
    that every input pixel is covered (Chainer's convention).
    """
    dk = dilated_size(k, d)
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def get_deconv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a transposed convolution along one dimension."""
    dk = dilated_size(k, d)
    if cover_all:
        return s * (size - 1) + dk - s + 1 - 2 * p
    return s * (size - 1) + dk - 2 * p


def _needed(out, k, s, d):
    return (out - 1) * s + dilated_size(k, d)


def im2col(x, kh, kw, sy, sx, ph, pw, out_h, out_w, dy=1, dx=1, pad_value=0):
    """Strided column view ``(N, C, kh, kw, out_h, out_w)`` of a padded image.

    The 2-d case of :func:`im2col_nd`.

    Args:
        x (ndarray): Image ``(N, C, H, W)``.
        kh, kw, sy, sx, ph, pw, dy, dx (int): Kernel size, stride, padding and
            dilation per dimension.
        out_h, out_w (int): Output size; padding is extended at the bottom and
            right when the windows need more than ``pad`` (``cover_all``).
        pad_value: Fill value of the padding (0, or ``-inf`` for max pooling).

    Returns:
        ndarray: A read-only view (do not write into it).
    """
    return im2col_nd(x, (kh, kw), (sy, sx), (ph, pw), (out_h, out_w), (dy, dx), pad_value)


def tap(xpad, i, j, sy, sx, out_h, out_w, dy=1, dx=1):
    """The ``(N, C, out_h, out_w)`` view that kernel tap ``(i, j)`` reads."""
    i0 = i * dy
    j0 = j * dx
    return xpad[:, :, i0:i0 + sy * (out_h - 1) + 1:sy, j0:j0 + sx * (out_w - 1) + 1:sx]


def pad_for(x, kh, kw, sy, sx, ph, pw, out_h, out_w, dy=1, dx=1, pad_value=0):
    """``x`` padded as :func:`im2col` pads it (a contiguous array, or ``x``)."""
    xp = backend.get_array_module(x)
    h, w = x.shape[2:]
    bottom = max(_needed(out_h, kh, sy, dy) - h - ph, 0)
    right = max(_needed(out_w, kw, sx, dx) - w - pw, 0)
    if ph or pw or bottom or right:
        return xp.pad(x, ((0, 0), (0, 0), (ph, bottom), (pw, right)), mode="constant",
                      constant_values=pad_value)
    return x


def padded_canvas(xp, shape, dtype, h, w, kh, kw, sy, sx, ph, pw, out_h, out_w, dy=1, dx=1):
    """Zeros large enough to receive every tap of a ``(out_h, out_w)`` output."""
    n, c = shape
    hh = max(_needed(out_h, kh, sy, dy), ph + h)
    ww = max(_needed(out_w, kw, sx, dx), pw + w)
    return xp.zeros((n, c, hh, ww), dtype=dtype)


def crop(img, h, w, ph, pw):
    """The ``(h, w)`` interior of a padded canvas, as a contiguous array."""
    if ph == 0 and pw == 0 and img.shape[2] == h and img.shape[3] == w:
        return img
    return img[:, :, ph:ph + h, pw:pw + w].copy()


def col2im(col, h, w, sy, sx, ph, pw, dy=1, dx=1):
    """Adjoint of :func:`im2col`: add every column entry back into its pixel.

    The 2-d case of :func:`col2im_nd`.

    Args:
        col (ndarray): ``(N, C, kh, kw, out_h, out_w)``.
        h, w (int): Size of the (unpadded) image to produce.

    Returns:
        ndarray: ``(N, C, h, w)``; contributions falling into the padding are
        dropped.
    """
    return col2im_nd(col, (h, w), (sy, sx), (ph, pw), (dy, dx))


# -- N spatial dimensions ------------------------------------------------------------
#
# The same layout with any number d of spatial axes: images ``(N, C, *size)``,
# columns ``(N, C, *ksize, *outsize)``. im2col and col2im above are their d = 2
# case; convolution_nd uses them directly.

def ntuple(v, n, fname="convolution_nd", argname="argument"):
    """``v`` as a tuple of ``n`` ints (an int is repeated)."""
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{fname}: {argname} must be an int or a sequence of {n} ints, "
                             f"got {v!r}")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _far_pads(size, ksize, stride, pad, outsize, dilate):
    return tuple(max(_needed(o, k, s, d) - n - p, 0)
                 for n, k, s, p, o, d in zip(size, ksize, stride, pad, outsize, dilate))


def im2col_nd(x, ksize, stride, pad, outsize, dilate, pad_value=0):
    """Strided column view ``(N, C, *ksize, *outsize)`` of a padded ``(N, C, *size)``.

    The far side is padded further when the windows need it (``cover_all``).
    Returns a read-only view.
    """
    xp = backend.get_array_module(x)
    far = _far_pads(x.shape[2:], ksize, stride, pad, outsize, dilate)
    if any(pad) or any(far):
        x = xp.pad(x, ((0, 0), (0, 0)) + tuple(zip(pad, far)), mode="constant",
                   constant_values=pad_value)
    st = x.strides
    sp = st[2:]
    return xp.lib.stride_tricks.as_strided(
        x, shape=x.shape[:2] + tuple(ksize) + tuple(outsize),
        strides=st[:2] + tuple(a * d for a, d in zip(sp, dilate))
        + tuple(a * s for a, s in zip(sp, stride)))


def col2im_nd(col, size, stride, pad, dilate):
    """Adjoint of :func:`im2col_nd`: ``(N, C, *ksize, *outsize)`` -> ``(N, C, *size)``."""
    xp = backend.get_array_module(col)
    nd = len(size)
    ksize = col.shape[2:2 + nd]
    outsize = col.shape[2 + nd:]
    canvas = tuple(max(_needed(o, k, s, d), p + n)
                   for n, k, s, p, o, d in zip(size, ksize, stride, pad, outsize, dilate))
    img = xp.zeros(col.shape[:2] + canvas, dtype=col.dtype)
    for taps in itertools.product(*(range(k) for k in ksize)):
        window = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                       for t, d, s, o in zip(taps, dilate, stride, outsize))
        img[(slice(None), slice(None)) + window] += col[(slice(None), slice(None)) + taps]
    if not any(pad) and img.shape[2:] == tuple(size):
        return img
    return img[(slice(None), slice(None))
               + tuple(slice(p, p + n) for p, n in zip(pad, size))].copy()


def call_as(fname, inner, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, with a bad-input error that names ``inner`` (the
    function a thin wrapper calls) renamed to ``fname``, so the message names
    the function the user called."""
    from rechain.utils import type_check
    try:
        return fn(*args, **kwargs)
    except (type_check.InvalidType, ValueError, TypeError) as e:
        msg = str(e)
        prefix = inner + ":"
        if not msg.startswith(prefix):
            raise
        raise type(e)(fname + ":" + msg[len(prefix):]) from None


def apply_promoted(node, args):
    """``node.apply(args)[0]``. Chainer accepts x, W and b of different float
    dtypes: where they differ they are cast to their promoted dtype and the
    output back to x's (``args[0]``); gradients come back in each input's own
    dtype. Where they agree nothing is added to the graph."""
    dtypes = {a.dtype for a in args}
    if len(dtypes) == 1:
        return node.apply(args)[0]
    import numpy
    from rechain.functions.array.cast import cast
    common = dtypes.pop()
    for d in dtypes:
        common = numpy.promote_types(common, d)
    y = node.apply(tuple(a if a.dtype == common else cast(a, common) for a in args))[0]
    return y if y.dtype == args[0].dtype else cast(y, args[0].dtype)


def check_bias_dtype(fname, b, x, W):
    """b has x's dtype (Chainer's rule) or W's."""
    if b.dtype != x.dtype and b.dtype != W.dtype:
        from rechain.utils import type_check
        raise type_check.InvalidType(
            f"{fname}: b must have the dtype of x ({x.dtype}) or of W ({W.dtype}), got "
            f"{b.dtype}")

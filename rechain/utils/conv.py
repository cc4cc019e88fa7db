"""Output sizes of convolutions along one axis (``chainer.utils.conv``)."""


def _dilated(k, d):
    return (k - 1) * d + 1


def get_conv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of a convolution or pooling of input length ``size``.

    ``k`` kernel, ``s`` stride, ``p`` padding, ``d`` dilation. With
    ``cover_all`` a last, partial window is added so every input is covered.
    """
    dk = _dilated(k, d)
    if cover_all:
        return (size + 2 * p - dk + s - 1) // s + 1
    return (size + 2 * p - dk) // s + 1


def get_deconv_outsize(size, k, s, p, cover_all=False, d=1):
    """Output length of the transposed convolution (the inverse of the above)."""
    dk = _dilated(k, d)
    if cover_all:
        return s * (size - 1) + dk - s + 1 - 2 * p
    return s * (size - 1) + dk - 2 * p


def im2col(img, kh, kw, sy, sx, ph, pw, cover_all=False, dy=1, dx=1, out_h=None, out_w=None,
           pval=0):
    """The column array ``(N, C, kh, kw, out_h, out_w)`` of an ``(N, C, H, W)`` image.

    ``col[n, c, i, j, y, x]`` is the pixel kernel tap ``(i, j)`` reads at
    output ``(y, x)`` (``pval`` in the padding); a new, contiguous array.
    ``out_h``/``out_w`` default to :func:`get_conv_outsize`.

    Example:
        >>> im2col(np.ones((1, 1, 3, 3), np.float32), 2, 2, 1, 1, 0, 0).shape
        (1, 1, 2, 2, 2, 2)
    """
    from rechain.functions.connection import _conv_util
    h, w = img.shape[2:]
    if out_h is None:
        out_h = get_conv_outsize(h, kh, sy, ph, cover_all, dy)
    if out_w is None:
        out_w = get_conv_outsize(w, kw, sx, pw, cover_all, dx)
    if out_h <= 0 or out_w <= 0:
        raise ValueError(f"im2col: no window fits: output {(out_h, out_w)} for an image "
                         f"{img.shape}, kernel {(kh, kw)}, stride {(sy, sx)}, pad {(ph, pw)}")
    col = _conv_util.im2col(img, kh, kw, sy, sx, ph, pw, out_h, out_w, dy, dx, pval)
    return col.copy()


def col2im(col, sy, sx, ph, pw, h, w, dy=1, dx=1):
    """The adjoint of :func:`im2col`: the columns summed back into an ``(N, C, h, w)`` image."""
    from rechain.functions.connection import _conv_util
    return _conv_util.col2im(col, h, w, sy, sx, ph, pw, dy, dx)


def im2col_cpu(img, kh, kw, sy, sx, ph, pw, pval=0, cover_all=False, dy=1, dx=1,
               out_h=None, out_w=None):
    """:func:`im2col` (Chainer's NumPy name and argument order)."""
    return im2col(img, kh, kw, sy, sx, ph, pw, cover_all, dy, dx, out_h, out_w, pval)


def im2col_gpu(img, kh, kw, sy, sx, ph, pw, cover_all=False, dy=1, dx=1, out_h=None,
               out_w=None):
    """:func:`im2col` (Chainer's CuPy name)."""
    return im2col(img, kh, kw, sy, sx, ph, pw, cover_all, dy, dx, out_h, out_w)


col2im_cpu = col2im
col2im_gpu = col2im

"""N-dimensional im2col / col2im on arrays (``chainer.utils.conv_nd``).

Images are ``(N, C, d_1, ..., d_n)``; a column array is ``(N, C, k_1, ...,
k_n, out_1, ..., out_n)``: the input element that kernel tap ``(k_1, ...)``
sees at output position ``(out_1, ...)``. One implementation serves NumPy
and CuPy (the ``_cpu`` / ``_gpu`` names are Chainer's); it is the one
:func:`F.convolution_nd <rechain.functions.convolution_nd>` uses.
"""

from rechain import backend
from rechain.functions.connection import _conv_util
from rechain.utils.conv import get_conv_outsize


def _tuples(f, nd, **values):
    return [_conv_util.ntuple(v, nd, f, name) for name, v in values.items()]


def im2col_nd(img, ksize, stride, pad, cover_all=False, dilate=1, pval=0):
    """The column array of ``img`` (a new, contiguous array).

    Args:
        img (ndarray): ``(N, C, d_1, ..., d_n)``.
        ksize, stride, pad, dilate (int or tuple of n ints): Window geometry.
        cover_all (bool): Add a last, partial window so that every input is covered.
        pval (scalar): Value of the padding.

    Example:
        >>> im2col_nd(np.ones((1, 1, 4), np.float32), 3, 1, 1).shape
        (1, 1, 3, 4)
    """
    f = "im2col_nd"
    nd = img.ndim - 2
    if nd < 1:
        raise ValueError(f"{f}: img must be (N, C, d_1, ...), got shape {img.shape}")
    ksize, stride, pad, dilate = _tuples(f, nd, ksize=ksize, stride=stride, pad=pad,
                                         dilate=dilate)
    outsize = tuple(get_conv_outsize(n, k, s, p, cover_all, d)
                    for n, k, s, p, d in zip(img.shape[2:], ksize, stride, pad, dilate))
    if any(o <= 0 for o in outsize):
        raise ValueError(f"{f}: no window fits: output size {outsize} for img {img.shape}, "
                         f"ksize {ksize}, stride {stride}, pad {pad}, dilate {dilate}")
    col = _conv_util.im2col_nd(img, ksize, stride, pad, outsize, dilate, pval)
    return backend.get_array_module(img).ascontiguousarray(col)


def col2im_nd(col, stride, pad, dims, dilate=1):
    """The adjoint of :func:`im2col_nd`: sums the columns back into ``(N, C, *dims)``.

    Example:
        >>> col2im_nd(np.ones((1, 1, 3, 4), np.float32), 1, 1, (4,))[0, 0]
        array([2., 3., 3., 2.], dtype=float32)
    """
    f = "col2im_nd"
    nd = len(dims)
    if col.ndim != 2 + 2 * nd:
        raise ValueError(f"{f}: col must be (N, C, k_1..k_{nd}, out_1..out_{nd}) for {nd} "
                         f"dims, got shape {col.shape}")
    stride, pad, dilate = _tuples(f, nd, stride=stride, pad=pad, dilate=dilate)
    return _conv_util.col2im_nd(col, tuple(int(d) for d in dims), stride, pad, dilate)


def im2col_nd_cpu(img, ksize, stride, pad, pval=0, cover_all=False, dilate=1):
    """:func:`im2col_nd` (Chainer's NumPy name and argument order)."""
    return im2col_nd(img, ksize, stride, pad, cover_all, dilate, pval)


def im2col_nd_gpu(img, ksize, stride, pad, cover_all=False, dilate=1):
    """:func:`im2col_nd` (Chainer's CuPy name)."""
    return im2col_nd(img, ksize, stride, pad, cover_all, dilate)


col2im_nd_cpu = col2im_nd
col2im_nd_gpu = col2im_nd

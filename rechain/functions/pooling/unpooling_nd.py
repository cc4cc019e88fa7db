"""unpooling_nd / unpooling_1d / unpooling_2d / unpooling_3d: the adjoint of sum pooling.

Every input element is copied into each position of its window of the
output; where windows overlap, the copies add. Its gradient is the sum over
each window (:class:`~rechain.functions.pooling._pool_nd.SumPoolingND` with
no divisor), whose gradient is the unpooling again; nothing is retained.
"""

from rechain.functions.pooling._pool_nd import PoolParamsND, SpreadND
from rechain.utils import type_check


def _unpooling(fname, x, ksize, stride, pad, outsize, cover_all, ndim=None):
    if ndim is None:
        ndim = x.ndim - 2
        if ndim < 1:
            raise type_check.InvalidType(f"{fname}: x must have at least 3 dimensions "
                                         f"(N, C, spatial...), got shape {tuple(x.shape)}")
    p = PoolParamsND(fname, ndim, ksize, stride, pad, cover_all)
    p.check_params()
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        if x.ndim != ndim + 2:
            raise type_check.InvalidType(
                f"{fname}: x must be {ndim + 2}-d (N, C, {ndim} spatial axes), got shape "
                f"{tuple(x.shape)}")
    if outsize is None:
        outsize = p.insize(x.shape[2:])
        if min(outsize) < 0:
            raise type_check.InvalidType(
                f"{fname}: the output size would be negative ({outsize}) for x "
                f"{tuple(x.shape)}, "
                f"ksize {p.ksize}, stride {p.stride}, pad {p.pad}")
    else:
        from rechain.functions.connection._conv_util import ntuple
        outsize = ntuple(outsize, ndim, fname, "outsize")
        if p.outsize(outsize) != tuple(x.shape[2:]):
            raise type_check.InvalidType(
                f"{fname}: outsize {outsize} pools back to {p.outsize(outsize)}, not to x's "
                f"spatial size {tuple(x.shape[2:])} (ksize {p.ksize}, stride {p.stride}, "
                f"pad {p.pad}, cover_all={p.cover_all})")
    return SpreadND(p, "one", outsize, f"Unpooling{ndim}D").apply((x,))[0]


def unpooling_nd(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Inverse of pooling for ``(N, C, *size)`` inputs: each element fills its window.

    Args:
        x (Variable or ndarray): Input ``(N, C, d_1, ..., d_n)``.
        ksize (int or tuple of ints): Window size.
        stride (int, tuple of ints or None): Stride (``ksize`` when None).
        pad (int or tuple of ints): Padding cropped from the output.
        outsize (tuple of ints or None): Output spatial size; by default the
            transposed-convolution size. It must pool back to ``x``'s size.
        cover_all (bool): The pooling convention the size follows.

    Returns:
        Variable: ``(N, C, *outsize)``.

    Example:
        >>> F.unpooling_nd(np.array([[[1., 2.]]], np.float32), 2).array
        array([[[1., 1., 2., 2.]]], dtype=float32)
    """
    return _unpooling("unpooling_nd", x, ksize, stride, pad, outsize, cover_all)


def unpooling_1d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Unpooling of ``(N, C, L)`` inputs; see :func:`unpooling_nd`.

    Example:
        >>> F.unpooling_1d(np.ones((1, 2, 3), np.float32), 2).shape
        (1, 2, 6)
    """
    return _unpooling("unpooling_1d", x, ksize, stride, pad, outsize, cover_all, 1)


def unpooling_2d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Unpooling of ``(N, C, H, W)`` inputs; see :func:`unpooling_nd`.

    Example:
        >>> F.unpooling_2d(np.ones((1, 1, 2, 2), np.float32), 2, outsize=(4, 4)).shape
        (1, 1, 4, 4)
    """
    return _unpooling("unpooling_2d", x, ksize, stride, pad, outsize, cover_all, 2)


def unpooling_3d(x, ksize, stride=None, pad=0, outsize=None, cover_all=True):
    """Unpooling of ``(N, C, D, H, W)`` inputs; see :func:`unpooling_nd`.

    Example:
        >>> F.unpooling_3d(np.ones((1, 1, 2, 2, 2), np.float32), 2).shape
        (1, 1, 4, 4, 4)
    """
    return _unpooling("unpooling_3d", x, ksize, stride, pad, outsize, cover_all, 3)

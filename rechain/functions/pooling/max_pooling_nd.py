"""max_pooling_nd / max_pooling_1d / max_pooling_3d: maximum over N-d windows.

As in :mod:`max_pooling_2d`, the position of each maximum (the tap's flat
row-major index inside its window) is a hidden output, retained for backward;
the input is not. The nodes live in :mod:`_pool_nd`.
"""

from rechain.functions.pooling._pool_nd import MaxPoolingND, PoolParamsND
from rechain.utils import type_check


def _max_pooling(fname, x, ksize, stride, pad, cover_all, return_indices, ndim=None):
    if ndim is None:
        ndim = x.ndim - 2
        if ndim < 1:
            raise type_check.InvalidType(f"{fname}: x must have at least 3 dimensions "
                                         f"(N, C, spatial...), got shape {tuple(x.shape)}")
    p = PoolParamsND(fname, ndim, ksize, stride, pad, cover_all)
    if type_check.enabled():
        p.check(x, pad_below_window=True)
    y, idx = MaxPoolingND(p).apply((x,))
    if return_indices:
        return y, idx.array
    return y


def max_pooling_nd(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Max pooling over the ``x.ndim - 2`` spatial axes of ``(N, C, *size)``.

    Args:
        x (Variable or ndarray): Input ``(N, C, d_1, ..., d_n)``.
        ksize (int or tuple of ints): Window size.
        stride (int, tuple of ints or None): Stride (``ksize`` when None).
        pad (int or tuple of ints): Padding (never selected: it is ``-inf``);
            smaller than the window.
        cover_all (bool): Extend the output so every input element is covered.
        return_indices (bool): Also return each maximum's position inside its
            window (row-major flat index) as an int32 array.

    Returns:
        Variable ``(N, C, o_1, ..., o_n)``, or ``(y, indexes)``.

    Example:
        >>> F.max_pooling_nd(np.arange(8, dtype=np.float32).reshape(1, 1, 2, 2, 2), 2).array
        array([[[[[7.]]]]], dtype=float32)
    """
    return _max_pooling("max_pooling_nd", x, ksize, stride, pad, cover_all, return_indices)


def max_pooling_1d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Max pooling of ``(N, C, L)`` inputs; see :func:`max_pooling_nd`.

    Example:
        >>> F.max_pooling_1d(np.array([[[1., 3., 2., 0.]]], np.float32), 2).array
        array([[[3., 2.]]], dtype=float32)
    """
    return _max_pooling("max_pooling_1d", x, ksize, stride, pad, cover_all, return_indices,
                        1)


def max_pooling_3d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Max pooling of ``(N, C, D, H, W)`` inputs; see :func:`max_pooling_nd`.

    Example:
        >>> F.max_pooling_3d(np.ones((1, 2, 4, 4, 4), np.float32), 2).shape
        (1, 2, 2, 2, 2)
    """
    return _max_pooling("max_pooling_3d", x, ksize, stride, pad, cover_all, return_indices,
                        3)

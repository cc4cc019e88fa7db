"""average_pooling_nd / average_pooling_1d / average_pooling_3d: means over N-d windows.

Linear (the nodes are :mod:`_pool_nd`'s sum pooling and its adjoint);
nothing is retained. ``pad_value=0`` divides every window by its volume,
padded zeros included; ``pad_value=None`` divides by the number of elements
of the window inside the input, so the padding is left out of the mean.
"""

from rechain.functions.pooling._pool_nd import PoolParamsND, SumPoolingND
from rechain.utils import type_check


def _average_pooling(fname, x, ksize, stride, pad, pad_value, ndim=None):
    if ndim is None:
        ndim = x.ndim - 2
        if ndim < 1:
            raise type_check.InvalidType(f"{fname}: x must have at least 3 dimensions "
                                         f"(N, C, spatial...), got shape {tuple(x.shape)}")
    if pad_value is None:
        mode = "count"
    elif isinstance(pad_value, (int, float)) and not isinstance(pad_value, bool) \
            and pad_value == 0:
        mode = "ksize"
    else:
        raise ValueError(f"{fname}: pad_value must be 0 or None, got {pad_value!r}")
    p = PoolParamsND(fname, ndim, ksize, stride, pad, False)
    if type_check.enabled():
        p.check(x)
    return SumPoolingND(p, mode, f"AveragePooling{ndim}D").apply((x,))[0]


def average_pooling_nd(x, ksize, stride=None, pad=0, pad_value=0):
    """Average pooling over the ``x.ndim - 2`` spatial axes of ``(N, C, *size)``.

    Args:
        x (Variable or ndarray): Input ``(N, C, d_1, ..., d_n)``.
        ksize (int or tuple of ints): Window size.
        stride (int, tuple of ints or None): Stride (``ksize`` when None).
        pad (int or tuple of ints): Padding on both sides of each axis.
        pad_value (0 or None): 0 counts the padding as zeros in the mean;
            None leaves it out (each window is divided by its elements inside
            the input).

    Returns:
        Variable: ``(N, C, o_1, ..., o_n)``.

    Example:
        >>> x = np.ones((1, 1, 3), np.float32)
        >>> F.average_pooling_nd(x, 2, pad=1).array, F.average_pooling_nd(x, 2, pad=1,
        ...                                                               pad_value=None).array
        (array([[[0.5, 1. ]]], dtype=float32), array([[[1., 1.]]], dtype=float32))
    """
    return _average_pooling("average_pooling_nd", x, ksize, stride, pad, pad_value)


def average_pooling_1d(x, ksize, stride=None, pad=0, pad_value=0):
    """Average pooling of ``(N, C, L)`` inputs; see :func:`average_pooling_nd`.

    Example:
        >>> F.average_pooling_1d(np.array([[[1., 3., 2., 0.]]], np.float32), 2).array
        array([[[2., 1.]]], dtype=float32)
    """
    return _average_pooling("average_pooling_1d", x, ksize, stride, pad, pad_value, 1)


def average_pooling_3d(x, ksize, stride=None, pad=0, pad_value=0):
    """Average pooling of ``(N, C, D, H, W)`` inputs; see :func:`average_pooling_nd`.

    Example:
        >>> F.average_pooling_3d(np.ones((1, 2, 4, 4, 4), np.float32), 2).shape
        (1, 2, 2, 2, 2)
    """
    return _average_pooling("average_pooling_3d", x, ksize, stride, pad, pad_value, 3)

"""dstack: join arrays along the third (depth) axis, as ``numpy.dstack``."""

from rechain.functions.array import _util
from rechain.functions.array.concat import concat
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


def _as_3d(x):
    if x.ndim == 0:
        return reshape(x, (1, 1, 1))
    if x.ndim == 1:
        return reshape(x, (1, x.shape[0], 1))
    if x.ndim == 2:
        return reshape(x, x.shape + (1,))
    return x


def dstack(xs):
    """Concatenate ``xs`` along axis 2, after lifting 1-d ``(N,)`` to ``(1, N, 1)``
    and 2-d ``(M, N)`` to ``(M, N, 1)``, as ``numpy.dstack`` does.

    Args:
        xs (list of Variable or ndarray): Inputs of one dtype and one number of
            dimensions; 0- to 2-d ones of one shape, others equal except in axis 2.

    Returns:
        Variable: The stacked variable.

    Example:
        >>> F.dstack([np.zeros((2, 3), np.float32), np.ones((2, 3), np.float32)]).shape
        (2, 3, 2)
    """
    f = "dstack"
    if not isinstance(xs, (list, tuple)) or len(xs) == 0:
        raise ValueError(f"{f}: xs must be a non-empty list of arrays or Variables")
    for i, x in enumerate(xs):
        _util.check_input(f, x, f"xs[{i}]")
    x0 = xs[0]
    if type_check.enabled():
        for i, x in enumerate(xs[1:], 1):
            if x.dtype != x0.dtype:
                raise type_check.InvalidType(f"{f}: xs[0] and xs[{i}] must have the same "
                                             f"dtype, got {x0.dtype} and {x.dtype}")
            if x.ndim != x0.ndim:
                raise type_check.InvalidType(
                    f"{f}: xs[0] and xs[{i}] must have the same number of dimensions, got "
                    f"shapes {tuple(x0.shape)} and {tuple(x.shape)}")
            s0, s = tuple(x0.shape), tuple(x.shape)
            if (x0.ndim <= 2 and s0 != s) or (x0.ndim > 2 and s0[:2] + s0[3:] != s[:2] + s[3:]):
                raise type_check.InvalidType(
                    f"{f}: xs[{i}] of shape {s} does not match xs[0] of shape {s0} (shapes "
                    f"must agree except in axis 2)")
    return concat([_as_3d(x) for x in xs], axis=2)

"""rollaxis: move one axis to a given position (NumPy's older moveaxis)."""

from rechain.functions.array import _util
from rechain.functions.array.transpose import transpose
from rechain.utils import type_check


def rollaxis(x, axis, start=0):
    """Roll ``axis`` backwards until it lies before position ``start``.

    Same semantics as ``numpy.rollaxis``; implemented as a transpose.

    Args:
        x (Variable or ndarray): Input.
        axis (int): The axis to move.
        start (int): The axis is moved to lie before this position, from
            ``-x.ndim`` to ``x.ndim``.

    Returns:
        Variable: ``x`` with its axes reordered.

    Example:
        >>> F.rollaxis(np.zeros((2, 3, 4), np.float32), 2).shape
        (4, 2, 3)
    """
    _util.check_input("rollaxis", x)
    axis = _util.normalize_axis("rollaxis", axis, x.shape)
    n = x.ndim
    if not _util.is_int(start):
        raise TypeError(f"rollaxis: start must be an int, not {type(start).__name__}")
    if not -n <= start <= n:
        raise type_check.InvalidType(
            f"rollaxis: start={start} is out of range for x of shape {x.shape} "
            f"(valid: {-n} to {n})")
    start = int(start) + n if start < 0 else int(start)
    if axis < start:
        start -= 1
    order = [a for a in range(x.ndim) if a != axis]
    order.insert(start, axis)
    return transpose(x, tuple(order))

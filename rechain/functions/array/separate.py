"""separate: split an array into its slices along an axis."""

from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape
from rechain.functions.array.split_axis import SplitAxis
from rechain.utils import type_check


def separate(x, axis=0):
    """Split ``x`` into ``x.shape[axis]`` variables, each without ``axis``.

    The inverse of :func:`stack`.

    Args:
        x (Variable or ndarray): Input with at least one dimension.
        axis (int): The axis to separate along.

    Returns:
        tuple of Variable: The slices.

    Example:
        >>> [y.shape for y in F.separate(np.zeros((2, 3), np.float32), axis=1)]
        [(2,), (2,), (2,)]
    """
    _util.check_input("separate", x)
    if x.ndim == 0:
        raise type_check.InvalidType("separate: x is zero-dimensional (shape ()); it "
                                     "has no axis to separate")
    axis = _util.normalize_axis("separate", axis, x.shape)
    n = x.shape[axis]
    shape = x.shape[:axis] + x.shape[axis + 1:]
    pieces = SplitAxis(tuple(range(1, n)), axis).apply((x,))
    return tuple(reshape(p, shape) for p in pieces[:n])

"""scale: multiply by an array broadcast along a run of axes."""

from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


def expand_along(fname, x, y, axis, yname="y"):
    """``y`` reshaped and broadcast onto ``x``, aligned at ``x``'s ``axis``.

    ``y``'s shape must equal ``x.shape[axis:axis + y.ndim]``.
    """
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        type_check.expect_float(fname, yname, y)
        if x.dtype != y.dtype:
            raise type_check.InvalidType(f"{fname}: x and {yname} must have the same dtype, "
                                         f"got x {x.dtype} and {yname} {y.dtype}")
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"{fname}: axis must be an int, not {type(axis).__name__}")
    given = axis
    if axis < 0:
        axis += x.ndim
    if not 0 <= axis or axis + y.ndim > x.ndim or \
            tuple(x.shape[axis:axis + y.ndim]) != tuple(y.shape):
        raise type_check.InvalidType(
            f"{fname}: {yname}'s shape must equal x.shape[axis:axis + {yname}.ndim]; got "
            f"{yname} {tuple(y.shape)} for x {tuple(x.shape)} and axis={given}")
    shape = (1,) * axis + tuple(y.shape) + (1,) * (x.ndim - axis - y.ndim)
    return broadcast_to(reshape(y, shape), x.shape)


def scale(x, y, axis=1):
    """Elementwise product with ``y`` broadcast along the axes of ``x`` it does not cover.

    ``y``'s shape must equal ``x.shape[axis:axis + y.ndim]``; ``y`` is
    repeated over every other axis (for example a per-channel factor with
    ``axis=1``).

    Args:
        x (Variable or ndarray): Input.
        y (Variable or ndarray): Factors, of ``x``'s dtype.
        axis (int): First axis of ``x`` that ``y``'s first axis matches.

    Returns:
        Variable: ``x * y`` (broadcast), of ``x``'s shape.

    Example:
        >>> F.scale(np.ones((2, 3, 2), np.float32), np.array([1., 2., 3.], np.float32)).array[0]
        array([[1., 1.],
               [2., 2.],
               [3., 3.]], dtype=float32)
    """
    return x * expand_along("scale", x, y, axis)

"""maxout: the maximum over groups of ``pool_size`` consecutive channels."""

from rechain.functions.array.reshape import reshape
from rechain.functions.math.minmax import max as _max
from rechain.utils import type_check


def maxout(x, pool_size, axis=1):
    """Maxout: split ``axis`` of length ``M * pool_size`` into (M, pool_size)
    and take the maximum over each group.

    The gradient goes to the maximal element of each group (the first of
    equal ones).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        pool_size (int): Group size; must divide ``x.shape[axis]``.
        axis (int): The axis to pool over.

    Returns:
        Variable: ``x`` with ``axis`` shortened to ``x.shape[axis] // pool_size``.

    Example:
        >>> F.maxout(np.array([[1., 3., 2., 0.]], np.float32), 2).array
        array([[3., 2.]], dtype=float32)
    """
    if isinstance(pool_size, bool) or not isinstance(pool_size, int):
        raise TypeError(f"maxout: pool_size must be an int, not {type(pool_size).__name__}")
    if pool_size <= 0:
        raise ValueError(f"maxout: pool_size must be positive, got {pool_size}")
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"maxout: axis must be an int, not {type(axis).__name__}")
    if type_check.enabled():
        type_check.expect_float("maxout", "x", x)
    axis = type_check.normalize_axis("maxout", axis, x.ndim, shape=x.shape)
    n = x.shape[axis]
    if n % pool_size:
        raise type_check.InvalidType(
            f"maxout: x.shape[{axis}]={n} is not a multiple of pool_size={pool_size} "
            f"(x shape {tuple(x.shape)})")
    shape = tuple(x.shape[:axis]) + (n // pool_size, pool_size) + tuple(x.shape[axis + 1:])
    return _max(reshape(x, shape), axis=axis + 1)

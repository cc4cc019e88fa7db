"""hstack: concatenate along the second axis (the first for 1-D inputs)."""

from rechain.functions.array.concat import Concat, check_concat
from rechain.functions.array.reshape import reshape


def hstack(xs):
    """Stack variables horizontally, like ``numpy.hstack``.

    0-d inputs are treated as 1-D; 1-D inputs are joined along axis 0, others
    along axis 1.

    Args:
        xs (sequence of Variable or ndarray): Inputs.

    Returns:
        Variable: The concatenation.

    Example:
        >>> F.hstack([np.zeros((2, 1), np.float32), np.ones((2, 2), np.float32)]).shape
        (2, 3)
    """
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):
        raise TypeError(f"hstack: xs must be a sequence of Variables or arrays, "
                        f"not {type(xs).__name__}")
    xs = [reshape(x, (1,)) if getattr(x, "ndim", None) == 0 else x for x in xs]
    axis = 0 if xs and getattr(xs[0], "ndim", None) == 1 else 1
    axis = check_concat("hstack", xs, axis)
    return Concat(axis).apply(tuple(xs))[0]

"""vstack: concatenate along the first axis, 0-d and 1-D inputs made 2-D."""

from rechain.functions.array.concat import Concat, check_concat
from rechain.functions.array.reshape import reshape


def vstack(xs):
    """Stack variables vertically, like ``numpy.vstack``.

    Inputs with fewer than two dimensions become rows (shape ``(1, n)``).

    Args:
        xs (sequence of Variable or ndarray): Inputs.

    Returns:
        Variable: The concatenation along axis 0.

    Example:
        >>> F.vstack([np.zeros(3, np.float32), np.ones(3, np.float32)]).shape
        (2, 3)
    """
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):
        raise TypeError(f"vstack: xs must be a sequence of Variables or arrays, "
                        f"not {type(xs).__name__}")
    xs = [reshape(x, (1, x.size)) if getattr(x, "ndim", 2) < 2 else x for x in xs]
    axis = check_concat("vstack", xs, 0)
    return Concat(axis).apply(tuple(xs))[0]

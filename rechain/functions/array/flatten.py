"""flatten: view an array as one dimension."""

from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape


def flatten(x):
    """Flatten ``x`` into one dimension (C order).

    Args:
        x (Variable or ndarray): Input.

    Returns:
        Variable: A 1-D variable of length ``x.size``.

    Example:
        >>> F.flatten(np.zeros((2, 3), np.float32)).shape
        (6,)
    """
    _util.check_input("flatten", x)
    return reshape(x, (x.size,))

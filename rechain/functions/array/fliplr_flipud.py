"""fliplr and flipud: NumPy's left/right and up/down flips (reversals of axis 1 and 0)."""

from rechain.functions.array import _util
from rechain.functions.array.flip import flip
from rechain.utils import type_check


def fliplr(a):
    """Reverse ``a`` along axis 1 (columns), as ``numpy.fliplr``.

    Args:
        a (Variable or ndarray): Input of at least 2 dimensions.

    Returns:
        Variable: ``a[:, ::-1]``.

    Example:
        >>> F.fliplr(np.array([[1., 2.]], np.float32)).array
        array([[2., 1.]], dtype=float32)
    """
    _util.check_input("fliplr", a, "a")
    type_check.expect_ndim("fliplr", "a", a, 2, at_least=True)
    return flip(a, 1)


def flipud(a):
    """Reverse ``a`` along axis 0 (rows), as ``numpy.flipud``.

    Args:
        a (Variable or ndarray): Input of at least 1 dimension.

    Returns:
        Variable: ``a[::-1]``.

    Example:
        >>> F.flipud(np.array([1., 2.], np.float32)).array
        array([2., 1.], dtype=float32)
    """
    _util.check_input("flipud", a, "a")
    type_check.expect_ndim("flipud", "a", a, 1, at_least=True)
    return flip(a, 0)

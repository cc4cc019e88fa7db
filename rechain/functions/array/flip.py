"""flip: reverse the order of elements along axes."""

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util


def _flip(array, axis):
    """``array`` (an ndarray) reversed along ``axis`` (an int, a tuple or None)."""
    return backend.get_array_module(array).flip(array, axis)


class Flip(function_node.FunctionNode):
    """Reverses along ``axis``; its own inverse, so the gradient flips back."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        return _flip(x, self.axis),

    def backward(self, indexes, grad_outputs):
        return Flip(self.axis).apply(grad_outputs)


def flip(x, axis=None):
    """Reverse the order of the elements of ``x`` along ``axis``.

    Args:
        x (Variable or ndarray): Input.
        axis (None, int or tuple of int): Axes to reverse; None reverses all.

    Returns:
        Variable: The flipped variable.

    Example:
        >>> F.flip(np.array([1., 2., 3.], np.float32), 0).array
        array([3., 2., 1.], dtype=float32)
    """
    _util.check_input("flip", x)
    if axis is None:
        axis = tuple(range(x.ndim))
    else:
        axis = _util.normalize_axes("flip", axis, x.shape)
    return Flip(axis).apply((x,))[0]

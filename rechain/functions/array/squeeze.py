"""squeeze: remove axes of length one."""

from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


class Squeeze(function_node.FunctionNode):
    """Removes length-one axes; the gradient is reshaped back."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        return x.squeeze(self.axis),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self._in_shape),


def squeeze(x, axis=None):
    """Remove axes of length one from ``x``.

    Args:
        x (Variable or ndarray): Input.
        axis (None, int or tuple of int): The axes to remove; each must have
            length one. None removes every axis of length one.

    Returns:
        Variable: ``x`` without those axes.

    Example:
        >>> F.squeeze(np.zeros((2, 1, 3, 1), np.float32), axis=1).shape
        (2, 3, 1)
    """
    _util.check_input("squeeze", x)
    shape = x.shape
    if axis is None:
        axis = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        axis = _util.normalize_axes("squeeze", axis, shape)
        for a in axis:
            if shape[a] != 1:
                raise type_check.InvalidType(
                    f"squeeze: cannot remove axis {a} of x of shape {shape}: its length "
                    f"is {shape[a]}, not 1")
    return Squeeze(axis).apply((x,))[0]

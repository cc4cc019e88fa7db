"""expand_dims: insert an axis of length one."""

from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape


class ExpandDims(function_node.FunctionNode):
    """Inserts a length-one axis; the gradient is reshaped back."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        shape = x.shape
        self._in_shape = shape
        return x.reshape(shape[:self.axis] + (1,) + shape[self.axis:]),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self._in_shape),


def expand_dims(x, axis):
    """Insert an axis of length one at position ``axis``.

    Args:
        x (Variable or ndarray): Input.
        axis (int): Position of the new axis in the output, from
            ``-x.ndim - 1`` to ``x.ndim``.

    Returns:
        Variable: ``x`` with one more axis.

    Example:
        >>> F.expand_dims(np.zeros((2, 3), np.float32), 1).shape
        (2, 1, 3)
    """
    _util.check_input("expand_dims", x)
    axis = _util.normalize_axis("expand_dims", axis, x.shape, extra=1)
    return ExpandDims(axis).apply((x,))[0]

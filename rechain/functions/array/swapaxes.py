"""swapaxes: exchange two axes."""

from rechain import function_node
from rechain.functions.array import _util


class Swapaxes(function_node.FunctionNode):
    """Swaps two axes; its own inverse, so the gradient swaps them back."""

    def __init__(self, axis1, axis2):
        self.axis1 = axis1
        self.axis2 = axis2

    def forward(self, inputs):
        x, = inputs
        return x.swapaxes(self.axis1, self.axis2),

    def backward(self, indexes, grad_outputs):
        return Swapaxes(self.axis1, self.axis2).apply(grad_outputs)


def swapaxes(x, axis1, axis2):
    """Exchange axes ``axis1`` and ``axis2`` of ``x``.

    Args:
        x (Variable or ndarray): Input.
        axis1, axis2 (int): The axes to exchange (negative values count from
            the end).

    Returns:
        Variable: ``x`` with the two axes exchanged.

    Example:
        >>> F.swapaxes(np.zeros((2, 3, 4), np.float32), 0, 2).shape
        (4, 3, 2)
    """
    _util.check_input("swapaxes", x)
    a1 = _util.normalize_axis("swapaxes", axis1, x.shape, "axis1")
    a2 = _util.normalize_axis("swapaxes", axis2, x.shape, "axis2")
    return Swapaxes(a1, a2).apply((x,))[0]

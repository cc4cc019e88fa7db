"""square."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class Square(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).square(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (x * 2.0),


def square(x):
    """Elementwise square, ``x * x``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``x ** 2``.

    Example:
        >>> F.square(np.array([3.], np.float32)).array
        array([9.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("square", "x", x)
    return Square().apply((x,))[0]

"""sqrt and rsqrt."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class Sqrt(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).sqrt(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] / (y * 2.0),


class Rsqrt(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        return xp.reciprocal(xp.sqrt(x)),

    def backward(self, indexes, grad_outputs):
        # d/dx x^(-1/2) = -x^(-3/2) / 2 = -y^3 / 2
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y * y * y * -0.5),


def sqrt(x):
    """Elementwise square root.

    Args:
        x (Variable or ndarray): Non-negative input of a floating-point dtype.

    Returns:
        Variable: ``x ** 0.5``.

    Example:
        >>> F.sqrt(np.array([4.], np.float32)).array
        array([2.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("sqrt", "x", x)
    return Sqrt().apply((x,))[0]


def rsqrt(x):
    """Elementwise reciprocal square root, ``1 / sqrt(x)``.

    Args:
        x (Variable or ndarray): Positive input of a floating-point dtype.

    Returns:
        Variable: ``x ** -0.5``.

    Example:
        >>> F.rsqrt(np.array([4.], np.float32)).array
        array([0.5], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("rsqrt", "x", x)
    return Rsqrt().apply((x,))[0]

"""sinh, cosh, arctanh: hyperbolic functions."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class Sinh(function_node.FunctionNode):
    """sinh(x); d/dx = cosh(x)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).sinh(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * cosh(x),


class Cosh(function_node.FunctionNode):
    """cosh(x); d/dx = sinh(x)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).cosh(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * sinh(x),


class Arctanh(function_node.FunctionNode):
    """arctanh(x); d/dx = 1 / (1 - x^2)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).arctanh(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / (1.0 - x * x),


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


def sinh(x):
    """Elementwise hyperbolic sine.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``sinh(x)``.

    Example:
        >>> F.sinh(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("sinh", x)
    return Sinh().apply((x,))[0]


def cosh(x):
    """Elementwise hyperbolic cosine.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``cosh(x)``.

    Example:
        >>> F.cosh(np.array([0.], np.float32)).array
        array([1.], dtype=float32)
    """
    _check("cosh", x)
    return Cosh().apply((x,))[0]


def arctanh(x):
    """Elementwise inverse hyperbolic tangent (``+-inf`` at ``+-1``).

    Args:
        x (Variable or ndarray): Input in [-1, 1], of a floating-point dtype.

    Returns:
        Variable: ``arctanh(x)``.

    Example:
        >>> F.arctanh(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("arctanh", x)
    return Arctanh().apply((x,))[0]

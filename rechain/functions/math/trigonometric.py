"""sin, cos, tan."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class Sin(function_node.FunctionNode):
    label = "sin"  # Chainer's label

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).sin(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * cos(x),


class Cos(function_node.FunctionNode):
    label = "cos"  # Chainer's label

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).cos(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * -sin(x),


class Tan(function_node.FunctionNode):
    label = "tan"  # Chainer's label

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).tan(x),

    def backward(self, indexes, grad_outputs):
        # d/dx tan(x) = 1 + tan(x)^2
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y * y + 1.0),


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


def sin(x):
    """Elementwise sine (radians).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``sin(x)``.

    Example:
        >>> F.sin(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("sin", x)
    return Sin().apply((x,))[0]


def cos(x):
    """Elementwise cosine (radians).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``cos(x)``.

    Example:
        >>> F.cos(np.array([0.], np.float32)).array
        array([1.], dtype=float32)
    """
    _check("cos", x)
    return Cos().apply((x,))[0]


def tan(x):
    """Elementwise tangent (radians).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``tan(x)``.

    Example:
        >>> F.tan(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("tan", x)
    return Tan().apply((x,))[0]

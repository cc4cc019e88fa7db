"""sigmoid, tanh and hard_sigmoid."""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.utils import type_check


class Sigmoid(function_node.FunctionNode):
    """y = 1 / (1 + exp(-x)), computed through tanh (no overflow)."""

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        return xp.asarray(xp.tanh(x * 0.5) * 0.5 + 0.5),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y * (1.0 - y)),


class Tanh(function_node.FunctionNode):
    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        return xp.asarray(xp.tanh(x)),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (1.0 - y * y),


class HardSigmoid(function_node.FunctionNode):
    """y = clip(0.2 x + 0.5, 0, 1); its derivative is 0.2 inside |x| < 2.5."""

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        return xp.asarray(xp.clip(x * 0.2 + 0.5, 0.0, 1.0)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        slope = xp.asarray((abs(x.array) < 2.5) * 0.2, dtype=x.dtype)
        return grad_outputs[0] * variable.Variable._constant(slope),


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))`` elementwise.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: Output in (0, 1) of the same shape and dtype.

    Example:
        >>> F.sigmoid(np.array([0.], np.float32)).array
        array([0.5], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("sigmoid", "x", x)
    return Sigmoid().apply((x,))[0]


def tanh(x):
    """Hyperbolic tangent elementwise.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: Output in (-1, 1) of the same shape and dtype.

    Example:
        >>> F.tanh(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("tanh", "x", x)
    return Tanh().apply((x,))[0]


def hard_sigmoid(x):
    """Piecewise-linear sigmoid ``clip(0.2 * x + 0.5, 0, 1)`` elementwise.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: Output in [0, 1] of the same shape and dtype.

    Example:
        >>> F.hard_sigmoid(np.array([-3., 0., 1.], np.float32)).array
        array([0. , 0.5, 0.7], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("hard_sigmoid", "x", x)
    return HardSigmoid().apply((x,))[0]

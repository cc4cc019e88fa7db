"""softplus."""

from rechain import backend
from rechain import function_node
from rechain.functions.activation.sigmoid import sigmoid
from rechain.utils import type_check


class Softplus(function_node.FunctionNode):
    """y = log(1 + exp(beta x)) / beta, as max(bx, 0) + log1p(exp(-|bx|))."""

    def __init__(self, beta):
        self.beta = beta

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        bx = x * self.beta
        y = xp.maximum(bx, 0) + xp.log1p(xp.exp(-abs(bx)))
        return xp.asarray(y * (1.0 / self.beta)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * sigmoid(x * self.beta),


def softplus(x, beta=1.0):
    """Smooth rectifier ``log(1 + exp(beta * x)) / beta``, stable for large ``|x|``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        beta (float): Sharpness; must be nonzero.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.softplus(np.array([0.], np.float32)).array
        array([0.6931472], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("softplus", "x", x)
    beta = float(beta)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero, got 0.0")
    return Softplus(beta).apply((x,))[0]

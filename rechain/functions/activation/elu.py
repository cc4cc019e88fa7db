"""elu and selu: exponential linear units."""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.utils import type_check

_constant = variable.Variable._constant


class ELU(function_node.FunctionNode):
    """y = x for x > 0, alpha (exp(x) - 1) otherwise.

    The derivative on the negative side, alpha exp(x), equals y + alpha, so
    backward is expressed through the retained output and stays differentiable.
    """

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        # y > 0 exactly where x > 0 when alpha >= 0; otherwise keep x for the mask.
        self.retain_outputs((0,))
        if self.alpha < 0:
            self.retain_inputs((0,))
        neg = xp.expm1(xp.minimum(x, 0)) * self.alpha
        return xp.asarray(xp.where(x > 0, x, neg)),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        ref = self.get_retained_inputs()[0] if self.alpha < 0 else y
        pos = ref.array > 0
        dtype = y.dtype
        pos_c = _constant(pos.astype(dtype))
        neg_c = _constant((~pos).astype(dtype))
        return grad_outputs[0] * (pos_c + neg_c * (y + self.alpha)),


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        alpha (float): Scale of the negative part.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.elu(np.array([-1., 2.], np.float32)).array
        array([-0.63212055,  2.        ], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("elu", "x", x)
    return ELU(float(alpha)).apply((x,))[0]


def selu(x, alpha=1.6732632423543772, scale=1.0507009873554805):
    """Scaled exponential linear unit, ``scale * elu(x, alpha)``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        alpha (float): Scale of the negative part of the ELU.
        scale (float): Overall scale.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.selu(np.array([1.], np.float32)).array
        array([1.050701], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("selu", "x", x)
    return ELU(float(alpha)).apply((x,))[0] * float(scale)

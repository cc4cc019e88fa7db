"""clip: limit values to an interval."""

import numbers

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.utils import type_check


class Clip(function_node.FunctionNode):
    def __init__(self, x_min, x_max):
        self.x_min = x_min
        self.x_max = x_max

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        return xp.clip(x, self.x_min, self.x_max).astype(x.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        x = x.array
        # Inside [x_min, x_max], boundaries included, the gradient passes.
        inside = True
        if self.x_min is not None:
            inside = x >= self.x_min
        if self.x_max is not None:
            inside = inside & (x <= self.x_max)
        mask = variable.Variable._constant(inside.astype(x.dtype))
        return grad_outputs[0] * mask,


def _bound(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"clip: {name} must be a real number or None, "
                        f"not {type(value).__name__}")
    return float(value)


def clip(x, x_min, x_max):
    """Clip the elements of ``x`` to the interval ``[x_min, x_max]``.

    The gradient is passed where ``x_min <= x <= x_max`` (boundaries included)
    and is zero outside.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        x_min (float or None): Lower bound (None: no lower bound).
        x_max (float or None): Upper bound (None: no upper bound).

    Returns:
        Variable: The clipped values, same shape and dtype as ``x``.

    Example:
        >>> F.clip(np.array([-2., 0.5, 3.], np.float32), 0., 1.).array
        array([0. , 0.5, 1. ], dtype=float32)
    """
    x_min = _bound("x_min", x_min)
    x_max = _bound("x_max", x_max)
    if x_min is None and x_max is None:
        raise ValueError("clip: at least one of x_min and x_max must be given")
    if x_min is not None and x_max is not None and x_min >= x_max:
        raise type_check.InvalidType(f"clip: x_min must be less than x_max, got "
                                     f"x_min={x_min} and x_max={x_max} "
                                     f"(x shape {tuple(x.shape)})")
    if type_check.enabled():
        type_check.expect_float("clip", "x", x)
    return Clip(x_min, x_max).apply((x,))[0]

"""linear_interpolate: ``p * x + (1 - p) * y``."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class LinearInterpolate(function_node.FunctionNode):
    """z = p x + (1 - p) y; gp = gz (x - y), gx = gz p, gy = gz (1 - p)."""

    def forward(self, inputs):
        p, x, y = inputs
        self.retain_inputs((0, 1, 2))
        xp = backend.get_array_module(p)
        z = x - y
        z *= p
        z += y
        return xp.asarray(z),

    def backward(self, indexes, grad_outputs):
        p, x, y = self.get_retained_inputs()
        g, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(g * (x - y))
            elif i == 1:
                ret.append(g * p)
            else:
                ret.append(g * (1.0 - p))
        return tuple(ret)


def linear_interpolate(p, x, y):
    """Elementwise linear interpolation ``p * x + (1 - p) * y``.

    Args:
        p (Variable or ndarray): Weights of ``x``, of a floating-point dtype.
        x (Variable or ndarray): First values, of ``p``'s shape and dtype.
        y (Variable or ndarray): Second values, of ``p``'s shape and dtype.

    Returns:
        Variable: The interpolation.

    Example:
        >>> F.linear_interpolate(np.array([0.25]), np.array([4.]), np.array([0.])).array
        array([1.])
    """
    if type_check.enabled():
        names = ("p", "x", "y")
        for n, v in zip(names, (p, x, y)):
            type_check.expect_float("linear_interpolate", n, v)
        type_check.expect_same_dtype("linear_interpolate", names, (p, x, y))
        type_check.expect_same_shape("linear_interpolate", names, (p, x, y))
    return LinearInterpolate().apply((p, x, y))[0]

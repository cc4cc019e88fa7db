"""arcsin, arccos, arctan, arctan2: the inverse trigonometric functions."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import sum_to
from rechain.functions.math.sqrt import rsqrt
from rechain.utils import type_check


class Arcsin(function_node.FunctionNode):
    """arcsin(x); d/dx = 1 / sqrt(1 - x^2)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).arcsin(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * rsqrt(1.0 - x * x),


class Arccos(function_node.FunctionNode):
    """arccos(x); d/dx = -1 / sqrt(1 - x^2)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).arccos(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * -rsqrt(1.0 - x * x),


class Arctan(function_node.FunctionNode):
    """arctan(x); d/dx = 1 / (1 + x^2)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).arctan(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / (x * x + 1.0),


class Arctan2(function_node.FunctionNode):
    """arctan2(x1, x2), the angle of the point (x2, x1); broadcasting.

    d/dx1 = x2 / (x1^2 + x2^2), d/dx2 = -x1 / (x1^2 + x2^2).
    """

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x1, x2 = inputs
        xp = backend.get_array_module(x1, x2)
        return xp.asarray(xp.arctan2(x1, x2)),

    def backward(self, indexes, grad_outputs):
        x1, x2 = self.get_retained_inputs()
        g = grad_outputs[0] / (x1 * x1 + x2 * x2)
        ret = []
        for i in indexes:
            gx = g * x2 if i == 0 else -(g * x1)
            shape = (x1, x2)[i].shape
            ret.append(gx if gx.shape == shape else sum_to(gx, shape))
        return tuple(ret)


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


def arcsin(x):
    """Elementwise inverse sine, in radians within [-pi/2, pi/2].

    Args:
        x (Variable or ndarray): Input in [-1, 1], of a floating-point dtype.

    Returns:
        Variable: ``arcsin(x)``.

    Example:
        >>> F.arcsin(np.array([0., 1.], np.float32)).array
        array([0.       , 1.5707964], dtype=float32)
    """
    _check("arcsin", x)
    return Arcsin().apply((x,))[0]


def arccos(x):
    """Elementwise inverse cosine, in radians within [0, pi].

    Args:
        x (Variable or ndarray): Input in [-1, 1], of a floating-point dtype.

    Returns:
        Variable: ``arccos(x)``.

    Example:
        >>> F.arccos(np.array([1.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("arccos", x)
    return Arccos().apply((x,))[0]


def arctan(x):
    """Elementwise inverse tangent, in radians within (-pi/2, pi/2).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``arctan(x)``.

    Example:
        >>> F.arctan(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("arctan", x)
    return Arctan().apply((x,))[0]


def arctan2(x1, x2):
    """Elementwise angle of the point ``(x2, x1)``, in radians within [-pi, pi].

    Args:
        x1 (Variable or ndarray): The y-coordinates, of a floating-point dtype.
        x2 (Variable or ndarray): The x-coordinates, of ``x1``'s dtype; the two
            shapes broadcast.

    Returns:
        Variable: ``arctan2(x1, x2)``, of the broadcast shape.

    Example:
        >>> F.arctan2(np.array([1.]), np.array([-1.])).array
        array([2.35619449])
    """
    if type_check.enabled():
        type_check.expect_float("arctan2", "x1", x1)
        type_check.expect_float("arctan2", "x2", x2)
        type_check.expect_same_dtype("arctan2", ("x1", "x2"), (x1, x2))
        if x1.shape != x2.shape:
            type_check.broadcast_shapes("arctan2", ("x1", "x2"), (x1.shape, x2.shape))
    return Arctan2().apply((x1, x2))[0]

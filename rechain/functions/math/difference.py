"""squared_error (squared_difference) and absolute_error: elementwise
differences of two same-shaped inputs (in Chainer, of its loss family)."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


def _check(fname, names, a, b):
    if type_check.enabled():
        type_check.expect_float(fname, names[0], a)
        type_check.expect_array(fname, names[1], b)
        type_check.expect_same_dtype(fname, names, (a, b))
        type_check.expect_same_shape(fname, names, (a, b))


class SquaredError(function_node.FunctionNode):
    """y = (x0 - x1)^2; gx0 = 2 gy (x0 - x1) = -gx1."""

    def forward(self, inputs):
        x0, x1 = inputs
        self.retain_inputs((0, 1))
        d = x0 - x1
        d *= d
        return backend.get_array_module(d).asarray(d),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        g = grad_outputs[0] * (2.0 * (x0 - x1))
        return tuple(g if i == 0 else -g for i in indexes)


class AbsoluteError(function_node.FunctionNode):
    """y = |x0 - x1|; gx0 = gy sign(x0 - x1) = -gx1 (0 where they are equal)."""

    def forward(self, inputs):
        x0, x1 = inputs
        self.retain_inputs((0, 1))
        xp = backend.get_array_module(x0)
        return xp.asarray(abs(x0 - x1)),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        xp = backend.get_array_module(x0.array)
        g = grad_outputs[0] * xp.sign(x0.array - x1.array)
        return tuple(g if i == 0 else -g for i in indexes)


def squared_error(x0, x1):
    """Elementwise squared error ``(x0 - x1) ** 2``.

    Args:
        x0 (Variable or ndarray): Input of a floating-point dtype.
        x1 (Variable or ndarray): Input of ``x0``'s shape and dtype.

    Returns:
        Variable: The squared differences, of ``x0``'s shape.

    Example:
        >>> F.squared_error(np.array([1., 4.], np.float32), np.array([3., 1.], np.float32)).array
        array([4., 9.], dtype=float32)
    """
    _check("squared_error", ("x0", "x1"), x0, x1)
    return SquaredError().apply((x0, x1))[0]


def squared_difference(x1, x2):
    """Elementwise ``(x1 - x2) ** 2``: :func:`squared_error` under Chainer's other names.

    Args:
        x1 (Variable or ndarray): Input of a floating-point dtype.
        x2 (Variable or ndarray): Input of ``x1``'s shape and dtype.

    Returns:
        Variable: The squared differences.

    Example:
        >>> F.squared_difference(np.array([1.], np.float32), np.array([3.], np.float32)).array
        array([4.], dtype=float32)
    """
    _check("squared_difference", ("x1", "x2"), x1, x2)
    return SquaredError().apply((x1, x2))[0]


def absolute_error(x0, x1):
    """Elementwise absolute error ``|x0 - x1|``; its gradient is 0 where they are equal.

    Args:
        x0 (Variable or ndarray): Input of a floating-point dtype.
        x1 (Variable or ndarray): Input of ``x0``'s shape and dtype.

    Returns:
        Variable: The absolute differences.

    Example:
        >>> F.absolute_error(np.array([1., 4.], np.float32), np.array([3., 1.], np.float32)).array
        array([2., 3.], dtype=float32)
    """
    _check("absolute_error", ("x0", "x1"), x0, x1)
    return AbsoluteError().apply((x0, x1))[0]

"""where: choose elements from two arrays by a boolean condition."""

import numbers

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import sum_to
from rechain.utils import type_check

Variable = variable.Variable
_constant = Variable._constant


class Where(function_node.FunctionNode):
    """``xp.where(c, x, y)`` with broadcasting; inputs are ``(c, x, y)``.

    The gradient of ``x`` is ``where(c, gy, 0)`` summed to the shape of ``x``,
    that of ``y`` is ``where(c, 0, gy)``; both are Where nodes again, so the
    second derivative exists. The condition gets no gradient.
    """

    def forward(self, inputs):
        self.retain_inputs((0,))
        c, x, y = inputs
        self._shapes = (x.shape, y.shape)
        xp = backend.get_array_module(c, x, y)
        return xp.where(c, x, y),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        c, = self.get_retained_inputs()
        xp = backend.get_array_module(gy._data)
        zero = _constant(xp.zeros((), dtype=gy.dtype))
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(None)
            elif i == 1:
                ret.append(sum_to(Where().apply((c, gy, zero))[0], self._shapes[0]))
            else:
                ret.append(sum_to(Where().apply((c, zero, gy))[0], self._shapes[1]))
        return tuple(ret)


def _operand(name, v, other, xp):
    if isinstance(v, (Variable,) + backend.array_types):
        return v
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        if other is None:
            raise TypeError("where: x and y cannot both be scalars")
        return xp.asarray(v, dtype=other.dtype)
    raise TypeError(f"where: {name} must be a Variable, an ndarray or a real scalar, "
                    f"not {type(v).__name__}")


def where(condition, x, y):
    """Choose elementwise from ``x`` where ``condition`` holds, else from ``y``.

    The three arguments broadcast against each other (NumPy rules).

    Args:
        condition (Variable, ndarray or bool): A boolean array.
        x (Variable, ndarray or scalar): Values where the condition is True.
        y (Variable, ndarray or scalar): Values where it is False; same dtype
            as ``x`` (a Python scalar takes the dtype of the other operand).

    Returns:
        Variable: The selection, of the broadcast shape.

    Example:
        >>> F.where(np.array([True, False]), np.zeros(2, np.float32), np.ones(2, np.float32)).array
        array([0., 1.], dtype=float32)
    """
    if isinstance(condition, (bool, numpy.bool_)):
        condition = numpy.asarray(condition)
    if not isinstance(condition, (Variable,) + backend.array_types):
        raise TypeError(f"where: condition must be a boolean Variable or ndarray, not "
                        f"{type(condition).__name__}")
    xp = backend.get_array_module(condition, x, y)
    if xp is not numpy and isinstance(condition, numpy.ndarray):
        condition = xp.asarray(condition)
    x_is_arr = isinstance(x, (Variable,) + backend.array_types)
    y_is_arr = isinstance(y, (Variable,) + backend.array_types)
    x = _operand("x", x, y if y_is_arr else None, xp)
    y = _operand("y", y, x if x_is_arr else None, xp)
    if condition.dtype.kind != "b":
        raise type_check.InvalidType(f"where: condition must have a boolean dtype, got "
                                     f"{condition.dtype} (shape {condition.shape})")
    if type_check.enabled():
        if x.dtype != y.dtype:
            raise type_check.InvalidType(
                f"where: x and y must have the same dtype, got x {x.dtype} {x.shape} "
                f"and y {y.dtype} {y.shape}")
        if not (condition.shape == x.shape == y.shape):
            type_check.broadcast_shapes("where", ("condition", "x", "y"),
                                        (condition.shape, x.shape, y.shape))
    return Where().apply((condition, x, y))[0]

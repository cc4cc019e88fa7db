"""broadcast_to, sum_to and broadcast: each other's gradients."""

from rechain import function_node
from rechain import variable
from rechain.utils import type_check


def sum_to_array(x, shape):
    """Sum an array down to ``shape`` (the inverse of broadcasting)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and x.shape[i + lead] != 1)
    y = x.sum(axis=axes, keepdims=True)
    if lead:
        y = y.reshape(shape)
    return y


class BroadcastTo(function_node.FunctionNode):
    def __init__(self, shape):
        self._shape = tuple(shape)

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = variable.backend.get_array_module(x)
        return xp.broadcast_to(x, self._shape),

    def backward(self, indexes, grad_outputs):
        return sum_to(grad_outputs[0], self._in_shape),


class SumTo(function_node.FunctionNode):
    def __init__(self, shape):
        self._shape = tuple(shape)

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        return sum_to_array(x, self._shape),

    def backward(self, indexes, grad_outputs):
        return broadcast_to(grad_outputs[0], self._in_shape),


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` (NumPy rules).

    Args:
        x (Variable or ndarray): Input.
        shape (tuple of int): Target shape.

    Returns:
        Variable: ``x`` broadcast to ``shape``.

    Example:
        >>> F.broadcast_to(np.ones((1, 3), np.float32), (2, 3)).shape
        (2, 3)
    """
    shape = tuple(shape)
    xshape = x.shape
    if xshape == shape:
        return variable.as_variable(x)
    if type_check.enabled():
        ok = len(shape) >= len(xshape) and all(
            s == t or s == 1 for s, t in zip(xshape[::-1], shape[::-1]))
        if not ok:
            raise type_check.InvalidType(
                f"broadcast_to: x of shape {xshape} cannot be broadcast to shape {shape}")
    return BroadcastTo(shape).apply((x,))[0]


def sum_to(x, shape):
    """Sum ``x`` over broadcast axes so that the result has ``shape``.

    Args:
        x (Variable or ndarray): Input.
        shape (tuple of int): Target shape, to which ``x`` is broadcastable.

    Returns:
        Variable: The sum.

    Example:
        >>> F.sum_to(np.ones((2, 3), np.float32), (1, 3)).array
        array([[2., 2., 2.]], dtype=float32)
    """
    shape = tuple(shape)
    xshape = x.shape
    if xshape == shape:
        return variable.as_variable(x)
    if type_check.enabled():
        ok = len(shape) <= len(xshape) and all(
            s == t or s == 1 for s, t in zip(shape[::-1], xshape[::-1]))
        if not ok:
            raise type_check.InvalidType(
                f"sum_to: x of shape {xshape} cannot be summed to shape {shape}")
    return SumTo(shape).apply((x,))[0]


def broadcast(*args):
    """Broadcast several variables against each other.

    Returns:
        Variable if one argument is given, else a tuple of Variables.
    """
    if not args:
        raise ValueError("broadcast: at least one argument is required")
    shape = type_check.broadcast_shapes(
        "broadcast", [f"args[{i}]" for i in range(len(args))], [a.shape for a in args])
    outs = tuple(broadcast_to(a, shape) for a in args)
    return outs[0] if len(outs) == 1 else outs

"""stack: join arrays of equal shape along a new axis."""

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape
from rechain.functions.array.split_axis import SplitAxis
from rechain.utils import type_check


class Stack(function_node.FunctionNode):
    """Stacks its inputs on a new axis; the gradient is split along it."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        self._in_shape = inputs[0].shape
        self._n = len(inputs)
        return xp.stack(inputs, axis=self.axis),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        pieces = SplitAxis(tuple(range(1, self._n)), self.axis).apply((gy,))
        return tuple([reshape(pieces[i], self._in_shape) for i in indexes])


def stack(xs, axis=0):
    """Join variables of the same shape along a new axis.

    Args:
        xs (sequence of Variable or ndarray): Inputs of one shape and dtype.
        axis (int): Position of the new axis in the output, from
            ``-ndim - 1`` to ``ndim``.

    Returns:
        Variable: The stacked variable, with one more axis than the inputs.

    Example:
        >>> F.stack([np.zeros(3, np.float32), np.ones(3, np.float32)], axis=1).shape
        (3, 2)
    """
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):
        raise TypeError(f"stack: xs must be a sequence of Variables or arrays, "
                        f"not {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError("stack: xs must contain at least one Variable or array")
    for i, x in enumerate(xs):
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            raise TypeError(f"stack: xs[{i}] must be a Variable or an ndarray, "
                            f"not {type(x).__name__}")
    x0 = xs[0]
    axis = _util.normalize_axis("stack", axis, x0.shape, extra=1, xname="xs[0]")
    if type_check.enabled():
        for i in range(1, len(xs)):
            if xs[i].shape != x0.shape:
                raise type_check.InvalidType(
                    f"stack: xs[{i}] ({_util.ordinal(i + 1)} input) of shape "
                    f"{xs[i].shape} differs from xs[0] of shape {x0.shape}; all inputs "
                    f"must have the same shape")
            if xs[i].dtype != x0.dtype:
                raise type_check.InvalidType(
                    f"stack: xs[{i}] has dtype {xs[i].dtype} but xs[0] has dtype "
                    f"{x0.dtype} (shape {x0.shape}); all inputs must have the same dtype")
    return Stack(axis).apply(tuple(xs))[0]

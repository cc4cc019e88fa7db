"""concat: join arrays along an existing axis (the inverse of split_axis)."""

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.utils import type_check


class Concat(function_node.FunctionNode):
    """Concatenates its inputs; the gradient is split back at the seams."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        xp = backend.get_array_module(*inputs)
        axis = self.axis
        cuts = []
        pos = 0
        for x in inputs[:-1]:
            pos += x.shape[axis]
            cuts.append(pos)
        self._cuts = tuple(cuts)
        return xp.concatenate(inputs, axis=axis),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.array.split_axis import SplitAxis
        gy, = grad_outputs
        if not self._cuts:
            return gy,
        gxs = SplitAxis(self._cuts, self.axis).apply((gy,))
        return tuple([gxs[i] for i in indexes])


def check_concat(fname, xs, axis):
    """Validate the inputs of a concatenation; return the normalized axis.

    Shared by concat, hstack and vstack so that messages name the caller.
    """
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):
        raise TypeError(f"{fname}: xs must be a sequence of Variables or arrays, "
                        f"not {type(xs).__name__}")
    if len(xs) == 0:
        raise ValueError(f"{fname}: xs must contain at least one Variable or array")
    for i, x in enumerate(xs):
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            raise TypeError(f"{fname}: xs[{i}] must be a Variable or an ndarray, "
                            f"not {type(x).__name__}")
    x0 = xs[0]
    if x0.ndim == 0:
        raise type_check.InvalidType(
            f"{fname}: xs[0] is zero-dimensional (shape ()); only arrays with at "
            f"least one dimension can be concatenated")
    axis = _util.normalize_axis(fname, axis, x0.shape, xname="xs[0]")
    if type_check.enabled():
        s0 = x0.shape
        for i in range(1, len(xs)):
            s = xs[i].shape
            if len(s) != len(s0) or any(a != b for k, (a, b) in enumerate(zip(s, s0))
                                        if k != axis):
                raise type_check.InvalidType(
                    f"{fname}: xs[{i}] ({_util.ordinal(i + 1)} input) of shape {s} "
                    f"does not match xs[0] of shape {s0}: all dimensions except "
                    f"axis {axis} must be equal")
            if xs[i].dtype != x0.dtype:
                raise type_check.InvalidType(
                    f"{fname}: xs[{i}] has dtype {xs[i].dtype} (shape {s}) but xs[0] has "
                    f"dtype {x0.dtype} (shape {s0}); all inputs must have the same dtype")
    return axis


def concat(xs, axis=1):
    """Concatenate the variables in ``xs`` along ``axis``.

    Args:
        xs (sequence of Variable or ndarray): Inputs; their shapes must agree
            except along ``axis``, and their dtypes must be equal.
        axis (int): The axis to join along.

    Returns:
        Variable: The concatenation.

    Example:
        >>> F.concat((np.zeros((2, 3), np.float32), np.ones((2, 1), np.float32))).shape
        (2, 4)
    """
    axis = check_concat("concat", xs, axis)
    return Concat(axis).apply(tuple(xs))[0]

"""transpose: permute the axes of an array."""

from rechain import function_node
from rechain.functions.array import _util
from rechain.utils import type_check


class Transpose(function_node.FunctionNode):
    """Permutes axes; the gradient is permuted back by the inverse permutation."""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, inputs):
        x, = inputs
        return x.transpose(self.axes),

    def backward(self, indexes, grad_outputs):
        inv = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inv[a] = i
        return Transpose(tuple(inv)).apply(grad_outputs)


def _check_axes(x, axes):
    ndim = x.ndim
    try:
        axes = tuple(axes)
    except TypeError:
        raise TypeError(f"transpose: axes must be None or a sequence of ints, "
                        f"not {type(axes).__name__}") from None
    if len(axes) != ndim:
        raise type_check.InvalidType(
            f"transpose: axes {axes} has length {len(axes)} but x of shape {x.shape} "
            f"has {ndim} dimensions")
    norm = tuple(_util.normalize_axis("transpose", a, x.shape, "axes") for a in axes)
    if len(set(norm)) != ndim:
        raise type_check.InvalidType(
            f"transpose: axes {axes} is not a permutation of the axes of x of shape "
            f"{x.shape}")
    return norm


def transpose(x, axes=None):
    """Permute the axes of ``x``.

    Args:
        x (Variable or ndarray): Input.
        axes (None or sequence of int): The new order of the axes (negative
            values count from the end); None reverses them.

    Returns:
        Variable: ``x`` with its axes permuted.

    Example:
        >>> F.transpose(np.zeros((2, 3, 4), np.float32), (2, 0, 1)).shape
        (4, 2, 3)
    """
    _util.check_input("transpose", x)
    if axes is None:
        axes = tuple(range(x.ndim - 1, -1, -1))
    else:
        axes = _check_axes(x, axes)
    return Transpose(axes).apply((x,))[0]

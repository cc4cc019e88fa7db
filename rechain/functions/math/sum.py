"""sum and mean over axes."""

from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.utils import type_check


class Sum(function_node.FunctionNode):
    def __init__(self, axis, keepdims):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        shape = self._in_shape
        if not self.keepdims and self.axis is not None and len(shape):
            kept = list(shape)
            for a in self.axis:
                kept[a] = 1
            gy = gy.reshape(tuple(kept))
        return broadcast_to(gy, shape),


def _axes(fname, x, axis):
    if axis is None:
        return None
    return type_check.normalize_axes(fname, axis, x.ndim, shape=x.shape)


def sum(x, axis=None, keepdims=False):
    """Sum of the elements of ``x`` over ``axis``.

    Args:
        x (Variable or ndarray): Input.
        axis (None, int or tuple of int): Axes to sum over (all when None).
        keepdims (bool): Keep the summed axes with length one.

    Returns:
        Variable: The sum.

    Example:
        >>> F.sum(np.ones((2, 3), np.float32), axis=1).array
        array([3., 3.], dtype=float32)
    """
    return Sum(_axes("sum", x, axis), keepdims).apply((x,))[0]


def mean(x, axis=None, weights=None, keepdims=False):
    """Mean of the elements of ``x`` over ``axis`` (optionally weighted).

    Example:
        >>> F.mean(np.array([1., 3.], np.float32)).array
        array(2., dtype=float32)
    """
    axes = _axes("mean", x, axis)
    if weights is None:
        n = x.size if axes is None else int(_prod(x.shape[a] for a in axes))
        if n == 0:
            raise type_check.InvalidType(f"mean: cannot average over zero elements "
                                         f"(x shape {x.shape}, axis {axis})")
        return Sum(axes, keepdims).apply((x,))[0] * (1.0 / n)
    w = variable.as_variable(weights)
    if axes is not None and len(axes) == 1 and w.ndim == 1:
        if w.shape[0] != x.shape[axes[0]]:
            raise type_check.InvalidType(f"mean: weights of shape {w.shape} do not match "
                                         f"axis {axes[0]} of x {x.shape}")
        shape = [1] * x.ndim
        shape[axes[0]] = w.shape[0]
        w = w.reshape(tuple(shape))
    wb = broadcast_to(w, x.shape)
    return sum(x * wb, axis, keepdims) / sum(wb, axis, keepdims)


def _prod(it):
    p = 1
    for v in it:
        p *= v
    return p

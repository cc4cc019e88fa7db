"""average: the (weighted) mean over an axis, as in Chainer and NumPy."""

from rechain import backend
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.math.sum import mean
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def average(x, axis=None, weights=None, keepdims=False, returned=False):
    """Weighted average of the elements of ``x`` over ``axis``.

    Without ``weights`` this is :func:`mean`. With them, the result is
    ``sum(x * w, axis) / sum(w)``, differentiable with respect to both.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (None, int or tuple of int): Axes to average over (all when None;
            a tuple of several axes only without ``weights``).
        weights (None, Variable or ndarray): With ``axis=None``, an array of
            ``x``'s shape; with an int ``axis``, a 1-d array of length
            ``x.shape[axis]``. Same dtype as ``x``.
        keepdims (bool): Keep the reduced axes with length one.
        returned (bool): Also return the sum of the weights, broadcast to the
            average's shape (NumPy's ``returned``; an extension over Chainer).

    Returns:
        Variable, or ``(average, sum of weights)`` with ``returned=True``.

    Example:
        >>> F.average(np.array([1., 2., 3.]), weights=np.array([3., 1., 0.])).array
        array(1.25)
    """
    if type_check.enabled():
        type_check.expect_float("average", "x", x)
    axes = None
    if axis is not None:
        if isinstance(axis, list):  # as Chainer: a tuple, not a list
            raise TypeError("average: axis must be None, an int or a tuple of ints, not list")
        axes = type_check.normalize_axes("average", axis, x.ndim, shape=x.shape)
    if weights is None:
        avg = mean(x, axes, keepdims=keepdims)
        if not returned:
            return avg
        n = x.size if axes is None else 1
        for a in axes or ():
            n *= x.shape[a]
        cnt = backend.get_array_module(avg.array).full(avg.shape, n, avg.dtype)
        return avg, variable.as_variable(cnt)
    if type_check.enabled():
        type_check.expect_float("average", "weights", weights)
        type_check.expect_same_dtype("average", ("x", "weights"), (x, weights))
    if axes is not None and len(axes) > 1:
        raise ValueError(f"average: axis={axis} names several axes; with weights, axis "
                         f"must be None or a single int")
    if axes is None:
        if tuple(weights.shape) != tuple(x.shape):
            raise type_check.InvalidType(
                f"average: with axis=None, weights must have x's shape {tuple(x.shape)}, "
                f"got {tuple(weights.shape)}")
        w = weights
    else:
        a, = axes
        if tuple(weights.shape) != (x.shape[a],):
            raise type_check.InvalidType(
                f"average: with axis={axis}, weights must have shape ({x.shape[a]},) "
                f"(x.shape[{a}] of x {tuple(x.shape)}), got {tuple(weights.shape)}")
        w_shape = tuple(d if i == a else 1 for i, d in enumerate(x.shape))
        w = broadcast_to(reshape(weights, w_shape), x.shape)
    total = _sum(weights)
    x_sum = _sum(x * w, axes, keepdims)
    total = broadcast_to(total, x_sum.shape)
    avg = x_sum / total
    return (avg, total) if returned else avg

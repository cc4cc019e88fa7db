"""logsumexp: log of a sum of exponentials, without overflow."""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.math.exponential import exp
from rechain.utils import type_check


class LogSumExp(function_node.FunctionNode):
    """y = log sum exp(x) over ``axis`` (a sorted tuple, or None for all).

    The maximum is subtracted before exponentiating; where it is not finite
    (all -inf, or a +inf present) it is replaced by 0, which gives -inf and
    +inf there. d/dx = exp(x - y), from the retained input and output.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        m = x.max(axis=self.axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, x.dtype.type(0))
        s = xp.exp(x - m).sum(axis=self.axis, keepdims=True)
        with numpy.errstate(divide="ignore"):  # all -inf: log(0) = -inf, as meant
            y = xp.log(s) + m
        return xp.asarray(y.reshape(self._out_shape(x.shape))),

    def _out_shape(self, shape):
        if self.axis is None:
            return ()
        return tuple(d for i, d in enumerate(shape) if i not in self.axis)

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        axes = range(x.ndim) if self.axis is None else self.axis
        kept = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        y = broadcast_to(reshape(y, kept), x.shape)
        return broadcast_to(reshape(gy, kept), x.shape) * exp(x - y),


def logsumexp(x, axis=None):
    """``log(sum(exp(x), axis))``, computed stably.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (None, int or tuple of int): Axes to reduce (all when None).

    Returns:
        Variable: The reduced values (the reduced axes removed).

    Example:
        >>> F.logsumexp(np.array([[0., 0.], [1000., 1000.]]), axis=1).array
        array([6.93147181e-01, 1.00069315e+03])
    """
    if type_check.enabled():
        type_check.expect_float("logsumexp", "x", x)
    if axis is not None:
        if isinstance(axis, list):  # as Chainer: a tuple, not a list
            raise TypeError("logsumexp: axis must be None, an int or a tuple of ints, not list")
        axis = type_check.normalize_axes("logsumexp", axis, x.ndim, shape=x.shape)
    n = x.size
    if axis is not None:
        n = 1
        for a in axis:
            n *= x.shape[a]
    if n == 0:
        raise type_check.InvalidType(f"logsumexp: cannot reduce over zero elements "
                                     f"(x shape {tuple(x.shape)}, axis {axis})")
    return LogSumExp(axis).apply((x,))[0]

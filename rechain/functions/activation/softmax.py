"""softmax and log_softmax along one axis."""

from rechain import backend
from rechain import function_node
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _log_softmax_array(x, axis):
    """log_softmax of an array, shifted by the maximum so that exp never overflows."""
    xp = backend.get_array_module(x)
    m = x.max(axis=axis, keepdims=True)
    z = x - m
    return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))


def _softmax_array(x, axis):
    xp = backend.get_array_module(x)
    z = xp.exp(x - x.max(axis=axis, keepdims=True))
    z /= z.sum(axis=axis, keepdims=True)
    return z


class Softmax(function_node.FunctionNode):
    """y = exp(x) / sum(exp(x), axis); retains only y."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return _softmax_array(x, self.axis),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        gx = y * grad_outputs[0]
        return gx - y * _sum(gx, self.axis, keepdims=True),


class LogSoftmax(function_node.FunctionNode):
    """y = x - log(sum(exp(x), axis)); retains only y (exp(y) is the softmax)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self.retain_outputs((0,))
        return _log_softmax_array(x, self.axis),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        gy = grad_outputs[0]
        return gy - _exp(y) * _sum(gy, self.axis, keepdims=True),


class _Exp(function_node.FunctionNode):
    """exp, kept private here so log_softmax's gradient needs no other family."""

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        return xp.asarray(xp.exp(x)),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y,


def _exp(x):
    return _Exp().apply((x,))[0]


def _check(fname, x, axis):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
    return type_check.normalize_axis(fname, axis, x.ndim)


def softmax(x, axis=1):
    """Softmax along ``axis``: ``exp(x) / sum(exp(x), axis)``, computed stably.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (int): Axis along which the outputs sum to one.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.softmax(np.zeros((1, 2), np.float32)).array
        array([[0.5, 0.5]], dtype=float32)
    """
    return Softmax(_check("softmax", x, axis)).apply((x,))[0]


def log_softmax(x, axis=1):
    """Logarithm of the softmax along ``axis``, ``x - logsumexp(x, axis)``.

    Computed without forming the softmax, so it stays finite for inputs of any
    magnitude (e.g. 1000) where ``log(softmax(x))`` would give ``-inf``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (int): Axis of the normalization.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.log_softmax(np.zeros((1, 2), np.float32)).array
        array([[-0.6931472, -0.6931472]], dtype=float32)
    """
    return LogSoftmax(_check("log_softmax", x, axis)).apply((x,))[0]

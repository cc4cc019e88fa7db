"""The standard normal distribution's CDF family: ndtr, ndtri, log_ndtr.

Values come from the float64 kernels of ``_special.py`` (NumPy only), cast to
the input's dtype; gradients are differentiable functions of the retained
arrays.
"""

import math

from rechain import function_node
from rechain.functions.math import _special
from rechain.functions.math.exponential import exp
from rechain.utils import type_check

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


class Ndtr(function_node.FunctionNode):
    """Phi(x); d/dx = exp(-x^2 / 2) / sqrt(2 pi)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return _special.run("ndtr", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (_INV_SQRT_2PI * exp(-0.5 * (x * x))),


class Ndtri(function_node.FunctionNode):
    """Phi^-1(x); d/dx = sqrt(2 pi) exp(y^2 / 2) with y the output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return _special.run("ndtri", inputs[0]),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (_SQRT_2PI * exp(0.5 * (y * y))),


class LogNdtr(function_node.FunctionNode):
    """log Phi(x); d/dx = phi(x) / Phi(x) = exp(-x^2 / 2 - y) / sqrt(2 pi).

    Written with the output ``y = log Phi(x)`` so that it stays finite in the
    left tail, where phi and Phi both underflow.
    """

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return _special.run("log_ndtr", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (_INV_SQRT_2PI * exp(-0.5 * (x * x) - y)),


def ndtr(x):
    """Elementwise CDF of the standard normal distribution, ``(1 + erf(x / sqrt 2)) / 2``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``Phi(x)``.

    Example:
        >>> F.ndtr(np.array([0., 1.])).array
        array([0.5       , 0.84134475])
    """
    _check("ndtr", x)
    return Ndtr().apply((x,))[0]


def ndtri(x):
    """Elementwise inverse of :func:`ndtr` (the standard normal quantile function).

    ``-inf`` at 0, ``+inf`` at 1, NaN outside ``[0, 1]``.

    Args:
        x (Variable or ndarray): Probabilities, of a floating-point dtype.

    Returns:
        Variable: ``Phi^-1(x)``.

    Example:
        >>> F.ndtri(np.array([0.5, 0.975])).array
        array([0.       , 1.95996398])
    """
    _check("ndtri", x)
    return Ndtri().apply((x,))[0]


def log_ndtr(x):
    """Elementwise logarithm of :func:`ndtr`, finite far into the left tail.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``log Phi(x)``.

    Example:
        >>> F.log_ndtr(np.array([0., -40.])).array
        array([-6.93147181e-01, -8.04608442e+02])
    """
    _check("log_ndtr", x)
    return LogNdtr().apply((x,))[0]

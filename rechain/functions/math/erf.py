"""The error function family: erf, erfc, erfcx, erfinv, erfcinv.

Values are computed in float64 by the kernels of ``_special.py`` (NumPy only)
and cast back to the input's dtype. Each gradient is written with
differentiable functions of the retained input or output, so every order of
derivative is available.
"""

import math

from rechain import function_node
from rechain.functions.math import _special
from rechain.functions.math.exponential import exp
from rechain.utils import type_check

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


class Erf(function_node.FunctionNode):
    """erf(x); d/dx = 2/sqrt(pi) exp(-x^2)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return _special.run("erf", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (_TWO_OVER_SQRT_PI * exp(-(x * x))),


class Erfc(function_node.FunctionNode):
    """erfc(x) = 1 - erf(x), without the cancellation; d/dx = -2/sqrt(pi) exp(-x^2)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return _special.run("erfc", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (-_TWO_OVER_SQRT_PI * exp(-(x * x))),


class Erfcx(function_node.FunctionNode):
    """erfcx(x) = exp(x^2) erfc(x); d/dx = 2 x erfcx(x) - 2/sqrt(pi)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return _special.run("erfcx", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (2.0 * x * y - _TWO_OVER_SQRT_PI),


class ErfInv(function_node.FunctionNode):
    """erfinv(x); d/dx = sqrt(pi)/2 exp(y^2) with y the output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return _special.run("erfinv", inputs[0]),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (_HALF_SQRT_PI * exp(y * y)),


class ErfcInv(function_node.FunctionNode):
    """erfcinv(x) = erfinv(1 - x); d/dx = -sqrt(pi)/2 exp(y^2) with y the output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return _special.run("erfcinv", inputs[0]),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (-_HALF_SQRT_PI * exp(y * y)),


def erf(x):
    """Elementwise error function, ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``erf(x)``, same shape and dtype.

    Example:
        >>> F.erf(np.array([0., 1.])).array
        array([0.        , 0.84270079])
    """
    _check("erf", x)
    return Erf().apply((x,))[0]


def erfc(x):
    """Elementwise complementary error function ``1 - erf(x)``, accurate in the tail.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``erfc(x)``.

    Example:
        >>> F.erfc(np.array([0., 10.])).array
        array([1.00000000e+00, 2.08848758e-45])
    """
    _check("erfc", x)
    return Erfc().apply((x,))[0]


def erfcx(x):
    """Elementwise scaled complementary error function ``exp(x^2) * erfc(x)``.

    Finite where ``erfc`` underflows (large positive ``x``); overflows to inf
    below about -26.6.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``erfcx(x)``.

    Example:
        >>> F.erfcx(np.array([0., 100.])).array
        array([1.        , 0.00564161])
    """
    _check("erfcx", x)
    return Erfcx().apply((x,))[0]


def erfinv(x):
    """Elementwise inverse error function: ``y`` with ``erf(y) = x``.

    ``+-inf`` at ``x = +-1``, NaN outside ``[-1, 1]``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``erfinv(x)``.

    Example:
        >>> F.erfinv(np.array([0., 0.5])).array
        array([0.        , 0.47693628])
    """
    _check("erfinv", x)
    return ErfInv().apply((x,))[0]


def erfcinv(x):
    """Elementwise inverse complementary error function: ``y`` with ``erfc(y) = x``.

    ``+inf`` at 0, ``-inf`` at 2, NaN outside ``[0, 2]``; accurate for tiny ``x``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``erfcinv(x)``.

    Example:
        >>> F.erfcinv(np.array([1., 1e-100])).array
        array([ 0.        , 15.0655747])
    """
    _check("erfcinv", x)
    return ErfcInv().apply((x,))[0]

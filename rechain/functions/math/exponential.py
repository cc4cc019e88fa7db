"""Exponentials and logarithms: exp, log, log1p, expm1, log2, log10."""

import math

from rechain import backend
from rechain import function_node
from rechain.utils import type_check

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


class Exp(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).exp(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y,


class Expm1(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        return backend.get_array_module(x).expm1(x),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * (y + 1.0),


class Log(function_node.FunctionNode):
    """Natural logarithm scaled by ``1 / ln(base)`` (base e, 2 or 10)."""

    def __init__(self, base=None):
        self.base = base

    @property
    def label(self):
        return "Log" if self.base is None else f"Log{self.base}"

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        if self.base is None:
            return xp.log(x),
        return (xp.log2(x) if self.base == 2 else xp.log10(x)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy = grad_outputs[0]
        if self.base is None:
            return gy / x,
        return gy / (x * (_LN2 if self.base == 2 else _LN10)),


class Log1p(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return backend.get_array_module(x).log1p(x),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] / (x + 1.0),


def exp(x):
    """Elementwise exponential, ``e ** x``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``exp(x)``, same shape and dtype.

    Example:
        >>> F.exp(np.array([0.], np.float32)).array
        array([1.], dtype=float32)
    """
    _check("exp", x)
    return Exp().apply((x,))[0]


def expm1(x):
    """Elementwise ``exp(x) - 1``, accurate for small ``x``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``exp(x) - 1``.

    Example:
        >>> F.expm1(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("expm1", x)
    return Expm1().apply((x,))[0]


def log(x):
    """Elementwise natural logarithm.

    Args:
        x (Variable or ndarray): Positive input of a floating-point dtype.

    Returns:
        Variable: ``ln(x)``.

    Example:
        >>> F.log(np.array([1.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("log", x)
    return Log().apply((x,))[0]


def log1p(x):
    """Elementwise ``ln(1 + x)``, accurate for small ``x``.

    Args:
        x (Variable or ndarray): Input (> -1) of a floating-point dtype.

    Returns:
        Variable: ``ln(1 + x)``.

    Example:
        >>> F.log1p(np.array([0.], np.float32)).array
        array([0.], dtype=float32)
    """
    _check("log1p", x)
    return Log1p().apply((x,))[0]


def log2(x):
    """Elementwise base-2 logarithm.

    Args:
        x (Variable or ndarray): Positive input of a floating-point dtype.

    Returns:
        Variable: ``log2(x)``.

    Example:
        >>> F.log2(np.array([8.], np.float32)).array
        array([3.], dtype=float32)
    """
    _check("log2", x)
    return Log(2).apply((x,))[0]


def log10(x):
    """Elementwise base-10 logarithm.

    Args:
        x (Variable or ndarray): Positive input of a floating-point dtype.

    Returns:
        Variable: ``log10(x)``.

    Example:
        >>> F.log10(np.array([1000.])).array
        array([3.])
    """
    _check("log10", x)
    return Log(10).apply((x,))[0]

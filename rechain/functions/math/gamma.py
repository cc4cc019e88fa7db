"""The gamma function family: lgamma, digamma, polygamma, zeta.

Each is the derivative of the one before (d lgamma = digamma,
d digamma = polygamma(1), d polygamma(n) = polygamma(n + 1), and
d/dq zeta(s, q) = -s zeta(s + 1, q)), so backward is the next function of the
family and every order of derivative is available. Values come from the
float64 kernels of ``_special.py`` (NumPy only), cast to the input's dtype.
"""

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.math import _special
from rechain.utils import type_check


def _check(fname, x, argname="x"):
    if type_check.enabled():
        type_check.expect_float(fname, argname, x)


class LGamma(function_node.FunctionNode):
    """log |Gamma(x)|; d/dx = digamma(x)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return _special.run("lgamma", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * digamma(x),


class DiGamma(function_node.FunctionNode):
    """psi(x) = d/dx log Gamma(x); d/dx = polygamma(1, x)."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return _special.run("digamma", inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * PolyGamma(1).apply((x,))[0],


class PolyGamma(function_node.FunctionNode):
    """psi^(n)(x), the n-th derivative of digamma, with the integer order(s)
    ``n`` (an int or an integer array broadcasting with x) held by the node."""

    def __init__(self, n):
        self.n = n

    @property
    def label(self):
        return "PolyGamma"

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        n = self.n
        if isinstance(n, int):
            n = backend.get_array_module(x).asarray(n)
        return _special.run("polygamma", n, x, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy = grad_outputs[0]
        return gy * PolyGamma(self.n + 1).apply((x,))[0],


class Zeta(function_node.FunctionNode):
    """Hurwitz zeta(s, q) as a function of q, with s (a float or an array
    broadcasting with q) held by the node; d/dq = -s zeta(s + 1, q)."""

    def __init__(self, s):
        self.s = s

    def forward(self, inputs):
        q, = inputs
        self.retain_inputs((0,))
        s = self.s
        if isinstance(s, float):
            s = backend.get_array_module(q).asarray(s, q.dtype)
        return _special.run("zeta", s, q, dtype=q.dtype),

    def backward(self, indexes, grad_outputs):
        q, = self.get_retained_inputs()
        return grad_outputs[0] * (Zeta(self.s + 1).apply((q,))[0] * -self.s),


def lgamma(x):
    """Elementwise logarithm of the absolute value of the gamma function.

    ``+inf`` at the poles ``0, -1, -2, ...``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``log |Gamma(x)|``.

    Example:
        >>> F.lgamma(np.array([1., 5.])).array
        array([0.        , 3.17805383])
    """
    _check("lgamma", x)
    return LGamma().apply((x,))[0]


def digamma(x):
    """Elementwise digamma function ``psi(x) = Gamma'(x) / Gamma(x)``.

    ``-inf`` at ``+0``, NaN at the negative integers.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``psi(x)``.

    Example:
        >>> F.digamma(np.array([1.])).array  # minus Euler's constant
        array([-0.57721566])
    """
    _check("digamma", x)
    return DiGamma().apply((x,))[0]


def _broadcasts_to(shape, target):
    try:
        return numpy.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def _order(fname, n, shape):
    """``n`` as an int or an integer ndarray broadcasting to ``shape``."""
    if isinstance(n, variable.Variable):
        n = n.array
    if isinstance(n, (bool, numpy.bool_)):
        raise TypeError(f"{fname}: n must be an integer or an integer array, not bool")
    if isinstance(n, (int, numpy.integer)):
        return int(n)
    if not hasattr(n, "dtype") or n.dtype.kind not in "iu":
        what = f"an array of dtype {n.dtype}" if hasattr(n, "dtype") else type(n).__name__
        raise type_check.InvalidType(f"{fname}: n must be an integer or an integer array, "
                                     f"got {what}")
    if not _broadcasts_to(n.shape, shape):
        raise type_check.InvalidType(f"{fname}: n of shape {tuple(n.shape)} does not "
                                     f"broadcast to x's shape {tuple(shape)}")
    return n


def polygamma(n, x):
    """Elementwise polygamma function, the ``n``-th derivative of :func:`digamma`.

    Differentiable with respect to ``x`` only. ``polygamma(0, x)`` is
    ``digamma(x)``.

    Args:
        n (int, ndarray or Variable): Order(s), of an integer dtype; an array
            must broadcast to ``x``'s shape.
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: ``psi^(n)(x)``, of ``x``'s shape and dtype.

    Example:
        >>> F.polygamma(1, np.array([1.])).array  # pi^2 / 6
        array([1.64493407])
    """
    _check("polygamma", x)
    return PolyGamma(_order("polygamma", n, x.shape)).apply((x,))[0]


def zeta(x, q):
    """Elementwise Hurwitz zeta function ``sum_k (q + k)^-x``, as in SciPy.

    Differentiable with respect to ``q`` only (Chainer's signature: the
    exponent comes first).

    Args:
        x (float, ndarray or Variable): Exponent(s) ``> 1``; an array must
            broadcast to ``q``'s shape.
        q (Variable or ndarray): Offset, of a floating-point dtype.

    Returns:
        Variable: ``zeta(x, q)``, of ``q``'s shape and dtype.

    Example:
        >>> F.zeta(2., np.array([1.])).array  # pi^2 / 6
        array([1.64493407])
    """
    _check("zeta", q, "q")
    if isinstance(x, variable.Variable):
        x = x.array
    if isinstance(x, (int, float, numpy.integer, numpy.floating)) and \
            not isinstance(x, (bool, numpy.bool_)):
        s = float(x)
    elif hasattr(x, "dtype") and x.dtype.kind in "iuf":
        if not _broadcasts_to(x.shape, q.shape):
            raise type_check.InvalidType(f"zeta: x of shape {tuple(x.shape)} does not "
                                         f"broadcast to q's shape {tuple(q.shape)}")
        s = x.astype(q.dtype, copy=False)
    else:
        raise TypeError(f"zeta: x must be a float or a real array, not {type(x).__name__}")
    return Zeta(s).apply((q,))[0]

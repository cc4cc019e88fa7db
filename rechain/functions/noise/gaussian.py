"""gaussian: a reparameterised sample of N(mean, exp(ln_var)).

``y = mean + exp(ln_var / 2) * eps`` with ``eps ~ N(0, 1)`` drawn from the
framework stream (``rechain.random``) outside any node, and entering the
graph as a constant, as dropout's mask does (dropout.py). The sample is a
composition of differentiable functions, so gradients of every order flow to
``mean`` and ``ln_var``, and ``F.forget`` replays the same ``eps``.
"""

import numpy

from rechain import backend
from rechain import random as _random
from rechain import variable
from rechain.functions.math.exponential import exp
from rechain.utils import type_check


def _draw_normal(x, shape=None):
    xp = backend.get_array_module(x)
    dtype = x.dtype
    rdtype = dtype if dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
    eps = _random.get_generator(xp).standard_normal(x.shape if shape is None else shape,
                                                    dtype=rdtype)
    return eps.astype(dtype, copy=False)


def gaussian(mean, ln_var, *, eps=None, return_eps=False):
    """Draw ``mean + exp(ln_var / 2) * eps`` with standard normal ``eps``.

    Sampling happens in training and test mode alike (as in Chainer); the
    noise comes from ``rechain.random``, so ``rechain.random.seed`` makes it
    reproducible.

    Args:
        mean (Variable or ndarray): Means, float.
        ln_var (Variable or ndarray): Log-variances of ``mean``'s shape and dtype.
        eps (ndarray): Standard normal noise of ``mean``'s shape to use
            instead of drawing it (cast to ``mean``'s dtype).
        return_eps (bool): Also return ``eps``.

    Returns:
        Variable, or ``(Variable, ndarray)`` with ``return_eps=True``.

    Example:
        >>> z = F.gaussian(np.zeros(3, np.float32), np.zeros(3, np.float32))  # ~ N(0, 1)
    """
    f = "gaussian"
    if type_check.enabled():
        type_check.expect_float(f, "mean", mean)
        type_check.expect_float(f, "ln_var", ln_var)
        type_check.expect_same_shape(f, ("mean", "ln_var"), (mean, ln_var))
        type_check.expect_same_dtype(f, ("mean", "ln_var"), (mean, ln_var))
    m = variable.as_array(mean)
    if eps is None:
        eps = _draw_normal(m)
    else:
        eps = variable.as_array(eps)
        if tuple(eps.shape) != tuple(m.shape):
            raise type_check.InvalidType(f"{f}: eps must have mean's shape {tuple(m.shape)}, "
                                         f"got {tuple(eps.shape)}")
        if eps.dtype != m.dtype:
            eps = eps.astype(m.dtype)
    y = mean + exp(ln_var * 0.5) * eps
    return (y, eps) if return_eps else y

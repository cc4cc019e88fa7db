"""Losses of variational auto-encoders: gaussian_kl_divergence, bernoulli_nll, gaussian_nll.

Each is a composition of differentiable functions (exp, softplus, products),
so their gradients of every order come from those functions' backward.
"""

import math

from rechain.functions.activation.softplus import softplus
from rechain.functions.loss._reduce import check_floats, check_reduce, reduce_loss
from rechain.functions.math.exponential import exp

_REDUCE = ("sum", "mean", "no")


def gaussian_kl_divergence(mean, ln_var, reduce="sum"):
    """KL divergence of ``N(mean, exp(ln_var))`` (diagonal) from ``N(0, I)``.

    Elementwise ``(mean**2 + exp(ln_var) - ln_var - 1) / 2``.

    Args:
        mean (Variable or ndarray): Means, float.
        ln_var (Variable or ndarray): Log-variances, of ``mean``'s shape and dtype.
        reduce (str): ``'sum'`` (default), ``'mean'`` or ``'no'`` (elementwise).

    Returns:
        Variable: 0-d, or of ``mean``'s shape with ``reduce='no'``.

    Example:
        >>> F.gaussian_kl_divergence(np.zeros(3, np.float32), np.zeros(3, np.float32)).array
        array(0., dtype=float32)
    """
    f = "gaussian_kl_divergence"
    check_reduce(f, reduce, _REDUCE)
    check_floats(f, ("mean", "ln_var"), (mean, ln_var))
    loss = (mean * mean + exp(ln_var) - ln_var - 1.0) * 0.5
    return reduce_loss(loss, reduce)


def bernoulli_nll(x, y, reduce="sum"):
    """Negative log-likelihood of ``x`` under Bernoulli(sigmoid(``y``)).

    Elementwise ``softplus(y) - x * y``, which is
    ``-(x log p + (1 - x) log(1 - p))`` with ``p = sigmoid(y)`` computed
    without overflow; ``y`` is a logit (a Linear layer's output).

    Args:
        x (Variable or ndarray): Observations in [0, 1], float.
        y (Variable or ndarray): Logits, of ``x``'s shape and dtype.
        reduce (str): ``'sum'`` (default), ``'mean'`` or ``'no'``.

    Returns:
        Variable: 0-d, or of ``x``'s shape with ``reduce='no'``.

    Example:
        >>> float(F.bernoulli_nll(np.ones(1, np.float32), np.zeros(1, np.float32)).array)
        0.6931...
    """
    f = "bernoulli_nll"
    check_reduce(f, reduce, _REDUCE)
    check_floats(f, ("x", "y"), (x, y))
    return reduce_loss(softplus(y) - x * y, reduce)


def gaussian_nll(x, mean, ln_var, reduce="sum"):
    """Negative log-likelihood of ``x`` under ``N(mean, exp(ln_var))`` (diagonal).

    Elementwise ``(ln_var + log(2 pi)) / 2 + (x - mean)**2 * exp(-ln_var) / 2``.

    Args:
        x (Variable or ndarray): Observations, float.
        mean (Variable or ndarray): Means, of ``x``'s shape and dtype.
        ln_var (Variable or ndarray): Log-variances, of ``x``'s shape and dtype.
        reduce (str): ``'sum'`` (default), ``'mean'`` or ``'no'``.

    Returns:
        Variable: 0-d, or of ``x``'s shape with ``reduce='no'``.

    Example:
        >>> float(F.gaussian_nll(np.zeros(1, np.float32), np.zeros(1, np.float32),
        ...                      np.zeros(1, np.float32)).array)
        0.9189...
    """
    f = "gaussian_nll"
    check_reduce(f, reduce, _REDUCE)
    check_floats(f, ("x", "mean", "ln_var"), (x, mean, ln_var))
    d = x - mean
    loss = (ln_var + math.log(2 * math.pi)) * 0.5 + d * d * exp(-ln_var) * 0.5
    return reduce_loss(loss, reduce)

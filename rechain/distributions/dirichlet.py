"""The Dirichlet distribution over the probability simplex (the last axis)."""

import functools

import numpy

from rechain import backend
from rechain import functions as F
from rechain import random as _random
from rechain import variable
from rechain.distributions import _params
from rechain.distributions import distribution


def _lmbeta(alpha):
    """``log B(alpha) = sum log Gamma(alpha_i) - log Gamma(sum alpha_i)`` over the last axis."""
    return F.sum(F.lgamma(alpha), axis=-1) - F.lgamma(F.sum(alpha, axis=-1))


class Dirichlet(distribution.Distribution):
    """Dirichlet(alpha): density ``prod x_i^(alpha_i - 1) / B(alpha)`` on the simplex.

    Args:
        alpha (Variable or ndarray): Positive concentrations; the last axis
            is the event (its length ``K`` is the number of categories).

    Draws (normalised gamma draws) are constants.

    Example:
        >>> D.Dirichlet(np.array([1., 3.])).mean.array
        array([0.25, 0.75])
    """

    def __init__(self, alpha):
        self._alpha = _params.as_param(alpha, "Dirichlet", "alpha")
        if self._alpha.ndim < 1:
            raise ValueError(f"Dirichlet: alpha needs a last axis of categories, got shape "
                             f"{self._alpha.shape}")

    @property
    def alpha(self):
        return self._alpha

    @functools.cached_property
    def alpha0(self):
        return F.sum(self.alpha, axis=-1)

    @property
    def batch_shape(self):
        return self._alpha.shape[:-1]

    @property
    def event_shape(self):
        return self._alpha.shape[-1:]

    @property
    def params(self):
        return {"alpha": self.alpha}

    @property
    def support(self):
        return "[0, 1] summing to 1"

    def _a0(self):
        return F.broadcast_to(F.expand_dims(self.alpha0, -1), self.alpha.shape)

    @functools.cached_property
    def mean(self):
        return self.alpha / self._a0()

    @functools.cached_property
    def variance(self):
        a0 = self._a0()
        return self.alpha * (a0 - self.alpha) / (a0 * a0 * (a0 + 1))

    @functools.cached_property
    def entropy(self):
        k = self.alpha.shape[-1]
        a = self.alpha
        return (_lmbeta(a) + (self.alpha0 - k) * F.digamma(self.alpha0)
                - F.sum((a - 1) * F.digamma(a), axis=-1))

    def log_prob(self, x):
        """``sum (alpha_i - 1) log x_i - log B(alpha)``."""
        return F.sum((self.alpha - 1) * F.log(x), axis=-1) - _lmbeta(self.alpha)

    def prob(self, x):
        return F.exp(self.log_prob(x))

    def sample_n(self, n):
        gen = _random.get_generator(numpy)
        a = backend.to_cpu(self.alpha.array).astype(numpy.float64)
        g = gen.standard_gamma(a, size=(int(n),) + a.shape)
        x = (g / g.sum(axis=-1, keepdims=True)).astype(self.alpha.dtype)
        xp = self.xp
        return variable.Variable(x if xp is numpy else xp.asarray(x), requires_grad=False)


@distribution.register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    a, b = p.alpha, q.alpha
    a0 = p._a0()
    return (_lmbeta(b) - _lmbeta(a)
            + F.sum((a - b) * (F.digamma(a) - F.digamma(a0)), axis=-1))

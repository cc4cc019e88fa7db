"""The gamma distribution (shape ``k``, scale ``theta``) and the chi-square."""

import functools
import math

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


class Gamma(_simple.Elementwise):
    """Gamma(k, theta): density ``x^(k-1) e^(-x/theta) / (Gamma(k) theta^k)`` on x > 0.

    Args:
        k (Variable or ndarray): Positive shape.
        theta (Variable or ndarray): Positive scale.

    Draws are not reparameterized (constants).

    Example:
        >>> D.Gamma(np.array([2.]), np.array([3.])).mean.array
        array([6.])
    """

    _param_names = ("k", "theta")

    def __init__(self, k, theta):
        self._init_params(k=k, theta=theta)

    @property
    def k(self):
        return self._k

    @property
    def theta(self):
        return self._theta

    @property
    def support(self):
        return "positive"

    @functools.cached_property
    def mean(self):
        return self._expand(self.k * self.theta)

    @functools.cached_property
    def variance(self):
        return self._expand(self.k * self.theta * self.theta)

    @functools.cached_property
    def entropy(self):
        k = self.k
        return self._expand(k + F.log(self.theta) + F.lgamma(k) + (1 - k) * F.digamma(k))

    def log_prob(self, x):
        """``(k-1) log x - x/theta - k log theta - log Gamma(k)``."""
        k, theta = self.k, self.theta
        return (k - 1) * F.log(x) - x / theta - k * F.log(theta) - F.lgamma(k)

    def sample_n(self, n):
        return self._draw(n, "gamma", "k", "theta")


@distribution.register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    k1, t1, k2, t2 = p.k, p.theta, q.k, q.theta
    kl = ((k1 - k2) * F.digamma(k1) - F.lgamma(k1) + F.lgamma(k2)
          + k2 * (F.log(t2) - F.log(t1)) + k1 * (t1 - t2) / t2)
    return _simple.kl_expand(kl, p, q)


class Chisquare(_simple.Elementwise):
    """Chi-square with ``k`` degrees of freedom: Gamma(k/2, 2).

    Args:
        k (Variable or ndarray): Positive degrees of freedom.

    Example:
        >>> D.Chisquare(np.array([3.])).variance.array
        array([6.])
    """

    _param_names = ("k",)

    def __init__(self, k):
        self._init_params(k=k)

    @property
    def k(self):
        return self._k

    @property
    def support(self):
        return "positive"

    @functools.cached_property
    def mean(self):
        return self._expand(self.k * 1.0)

    @functools.cached_property
    def variance(self):
        return self._expand(self.k * 2.0)

    @functools.cached_property
    def entropy(self):
        h = self.k * 0.5
        return self._expand(h + math.log(2.0) + F.lgamma(h) + (1 - h) * F.digamma(h))

    def log_prob(self, x):
        """``(k/2 - 1) log x - x/2 - (k/2) log 2 - log Gamma(k/2)``."""
        h = self.k * 0.5
        return (h - 1) * F.log(x) - x * 0.5 - h * math.log(2.0) - F.lgamma(h)

    def sample_n(self, n):
        return self._draw(n, "chisquare", "k")

"""The exponential distribution."""

import functools

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


class Exponential(_simple.Elementwise):
    """Exponential(lam): density ``lam e^(-lam x)`` on x >= 0.

    Args:
        lam (Variable or ndarray): Positive rate.

    Draws are reparameterized: ``-log(u) / lam``.

    Example:
        >>> D.Exponential(np.array([2.])).mean.array
        array([0.5])
    """

    _param_names = ("lam",)

    def __init__(self, lam):
        self._init_params(lam=lam)

    @property
    def lam(self):
        return self._lam

    @property
    def support(self):
        return "non-negative"

    @functools.cached_property
    def mean(self):
        return self._expand(1.0 / self.lam)

    @functools.cached_property
    def variance(self):
        return self._expand(1.0 / (self.lam * self.lam))

    @functools.cached_property
    def entropy(self):
        return self._expand(1.0 - F.log(self.lam))

    def log_prob(self, x):
        """``log lam - lam x``."""
        return F.log(self.lam) - self.lam * x

    def cdf(self, x):
        return -F.expm1(-self.lam * x)

    def icdf(self, x):
        return -F.log1p(-x) / self.lam

    def sample_n(self, n):
        return -F.log(self._uniform(n)) / self.lam


@distribution.register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    r = q.lam / p.lam
    return _simple.kl_expand(r - F.log(r) - 1.0, p, q)

"""The beta distribution on [0, 1]."""

import functools

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


def _lbeta(a, b):
    return F.lgamma(a) + F.lgamma(b) - F.lgamma(a + b)


class Beta(_simple.Elementwise):
    """Beta(a, b): density ``x^(a-1) (1-x)^(b-1) / B(a, b)`` on [0, 1].

    Args:
        a, b (Variable or ndarray): Positive shape parameters.

    Draws are not reparameterized (constants).

    Example:
        >>> D.Beta(np.array([2.]), np.array([3.])).mean.array
        array([0.4])
    """

    _param_names = ("a", "b")

    def __init__(self, a, b):
        self._init_params(a=a, b=b)

    @property
    def a(self):
        return self._a

    @property
    def b(self):
        return self._b

    @property
    def support(self):
        return "[0, 1]"

    @functools.cached_property
    def mean(self):
        return self._expand(self.a / (self.a + self.b))

    @functools.cached_property
    def variance(self):
        s = self.a + self.b
        return self._expand(self.a * self.b / (s * s * (s + 1)))

    @functools.cached_property
    def entropy(self):
        a, b = self.a, self.b
        return self._expand(_lbeta(a, b) - (a - 1) * F.digamma(a) - (b - 1) * F.digamma(b)
                            + (a + b - 2) * F.digamma(a + b))

    def log_prob(self, x):
        """``(a-1) log x + (b-1) log(1-x) - log B(a, b)``."""
        return (self.a - 1) * F.log(x) + (self.b - 1) * F.log1p(-x) - _lbeta(self.a, self.b)

    def sample_n(self, n):
        return self._draw(n, "beta", "a", "b")


@distribution.register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    a1, b1, a2, b2 = p.a, p.b, q.a, q.b
    kl = (_lbeta(a2, b2) - _lbeta(a1, b1) + (a1 - a2) * F.digamma(a1)
          + (b1 - b2) * F.digamma(b1) + (a2 - a1 + b2 - b1) * F.digamma(a1 + b1))
    return _simple.kl_expand(kl, p, q)


"""The Gumbel (type-I extreme value) distribution."""

import functools
import math

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution

_EULER = 0.5772156649015329


class Gumbel(_simple.Elementwise):
    """Gumbel(loc, scale): density ``exp(-z - e^(-z)) / scale``, ``z = (x - loc) / scale``.

    Args:
        loc (Variable or ndarray): Location (mode).
        scale (Variable or ndarray): Positive scale.

    Draws are reparameterized: ``loc - scale log(-log u)``.

    Example:
        >>> D.Gumbel(np.array([0.]), np.array([1.])).variance.array
        array([1.64493407])
    """

    _param_names = ("loc", "scale")

    def __init__(self, loc, scale):
        self._init_params(loc=loc, scale=scale)

    @property
    def loc(self):
        return self._loc

    @property
    def scale(self):
        return self._scale

    @property
    def support(self):
        return "real"

    @functools.cached_property
    def mean(self):
        return self._expand(self.loc + _EULER * self.scale)

    @functools.cached_property
    def variance(self):
        return self._expand(self.scale * self.scale * (math.pi ** 2 / 6))

    @functools.cached_property
    def entropy(self):
        return self._expand(F.log(self.scale) + (_EULER + 1))

    def log_prob(self, x):
        z = (x - self.loc) / self.scale
        return -z - F.exp(-z) - F.log(self.scale)

    def sample_n(self, n):
        return self.loc - self.scale * F.log(-F.log(self._uniform(n)))


@distribution.register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    """``log(s2/s1) - gamma - 1 + (m1 + gamma s1 - m2)/s2 + e^((m2-m1)/s2) Gamma(1 + s1/s2)``
    (the Gumbel's moment generating function gives the last term)."""
    m1, s1, m2, s2 = p.loc, p.scale, q.loc, q.scale
    kl = (F.log(s2) - F.log(s1) - (_EULER + 1) + (m1 + _EULER * s1 - m2) / s2
          + F.exp((m2 - m1) / s2 + F.lgamma(s1 / s2 + 1)))
    return _simple.kl_expand(kl, p, q)

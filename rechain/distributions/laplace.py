"""The Laplace (double exponential) distribution."""

import functools
import math

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


class Laplace(_simple.Elementwise):
    """Laplace(loc, scale): density ``exp(-|x - loc| / scale) / (2 scale)``.

    Args:
        loc (Variable or ndarray): Location (mean, median and mode).
        scale (Variable or ndarray): Positive scale.

    Draws are reparameterized through the inverse CDF.

    Example:
        >>> D.Laplace(np.array([0.]), np.array([1.])).variance.array
        array([2.])
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
        return self._expand(self.loc)

    @property
    def mode(self):
        return self.mean

    @functools.cached_property
    def variance(self):
        return self._expand(2.0 * self.scale * self.scale)

    @functools.cached_property
    def stddev(self):
        return self._expand(math.sqrt(2.0) * self.scale)

    @functools.cached_property
    def entropy(self):
        return self._expand(F.log(self.scale) + (1.0 + math.log(2.0)))

    def log_prob(self, x):
        return -F.absolute(x - self.loc) / self.scale - F.log(self.scale) - math.log(2.0)

    def cdf(self, x):
        """``1/2 + sign(z) (1 - e^(-|z|)) / 2``."""
        z = (x - self.loc) / self.scale
        return 0.5 - 0.5 * F.sign(z) * F.expm1(-F.absolute(z))

    def icdf(self, x):
        """``loc - scale sign(p - 1/2) log(1 - 2 |p - 1/2|)``."""
        d = x - 0.5
        return self.loc - self.scale * F.sign(d) * F.log1p(-2.0 * F.absolute(d))

    def sample_n(self, n):
        return self.icdf(self._uniform(n))


@distribution.register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    d = F.absolute(p.loc - q.loc)
    kl = (F.log(q.scale) - F.log(p.scale) + d / q.scale
          + p.scale / q.scale * F.exp(-d / p.scale) - 1.0)
    return _simple.kl_expand(kl, p, q)

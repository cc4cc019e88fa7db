"""The Cauchy distribution."""

import functools
import math

from rechain import functions as F
from rechain.distributions import _simple


class Cauchy(_simple.Elementwise):
    """Cauchy(loc, scale): density ``1 / (pi scale (1 + z²))``, ``z = (x - loc) / scale``.

    Its mean and variance do not exist: they are NaN, as in Chainer.

    Args:
        loc (Variable or ndarray): Location (median).
        scale (Variable or ndarray): Positive scale.

    Draws are reparameterized: ``loc + scale tan(pi (u - 1/2))``.

    Example:
        >>> D.Cauchy(np.array([0.]), np.array([1.])).cdf(np.array([0.])).array
        array([0.5])
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

    @property
    def mean(self):
        return self._full(float("nan"))

    @property
    def variance(self):
        return self._full(float("nan"))

    @functools.cached_property
    def entropy(self):
        return self._expand(F.log(self.scale) + math.log(4 * math.pi))

    def log_prob(self, x):
        z = (x - self.loc) / self.scale
        return -F.log1p(z * z) - F.log(self.scale) - math.log(math.pi)

    def cdf(self, x):
        return F.arctan((x - self.loc) / self.scale) * (1 / math.pi) + 0.5

    def icdf(self, x):
        return self.loc + self.scale * F.tan((x - 0.5) * math.pi)

    def sample_n(self, n):
        return self.icdf(self._uniform(n))

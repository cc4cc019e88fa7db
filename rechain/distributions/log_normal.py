"""The log-normal distribution: ``exp`` of a normal."""

import functools
import math

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


class LogNormal(_simple.Elementwise):
    """LogNormal(mu, sigma): ``log x`` is Normal(mu, sigma²); x > 0.

    Args:
        mu (Variable or ndarray): Mean of ``log x``.
        sigma (Variable or ndarray): Positive standard deviation of ``log x``.

    Draws are reparameterized: ``exp(mu + sigma eps)``.

    Example:
        >>> D.LogNormal(np.array([0.]), np.array([1.])).mean.array
        array([1.64872127])
    """

    _param_names = ("mu", "sigma")

    def __init__(self, mu, sigma):
        self._init_params(mu=mu, sigma=sigma)

    @property
    def mu(self):
        return self._mu

    @property
    def sigma(self):
        return self._sigma

    @property
    def support(self):
        return "positive"

    @functools.cached_property
    def mean(self):
        return self._expand(F.exp(self.mu + 0.5 * self.sigma * self.sigma))

    @functools.cached_property
    def variance(self):
        s2 = self.sigma * self.sigma
        return self._expand(F.expm1(s2) * F.exp(2.0 * self.mu + s2))

    @functools.cached_property
    def entropy(self):
        return self._expand(self.mu + F.log(self.sigma) + (0.5 + _LOG_SQRT_2PI))

    def log_prob(self, x):
        logx = F.log(x)
        z = (logx - self.mu) / self.sigma
        return -0.5 * z * z - F.log(self.sigma) - _LOG_SQRT_2PI - logx

    def sample_n(self, n):
        return F.exp(self.mu + self.sigma * self._standard_normal(n))


@distribution.register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p, q):
    """The KL of the underlying normals (``log`` is a bijection)."""
    d = (p.mu - q.mu) / q.sigma
    r = p.sigma / q.sigma
    kl = F.log(q.sigma) - F.log(p.sigma) + 0.5 * (r * r + d * d) - 0.5
    return _simple.kl_expand(kl, p, q)

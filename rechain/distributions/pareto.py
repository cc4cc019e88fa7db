"""The Pareto (type I) distribution."""

import functools

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


class Pareto(_simple.Elementwise):
    """Pareto(scale, alpha): density ``alpha scale^alpha / x^(alpha+1)`` on x >= scale.

    The mean is ``inf`` where ``alpha <= 1`` and the variance where ``alpha <= 2``.

    Args:
        scale (Variable or ndarray): Positive minimum value.
        alpha (Variable or ndarray): Positive shape.

    Draws are reparameterized: ``scale u^(-1/alpha)``.

    Example:
        >>> D.Pareto(np.array([1.]), np.array([3.])).mean.array
        array([1.5])
    """

    _param_names = ("scale", "alpha")

    def __init__(self, scale, alpha):
        self._init_params(scale=scale, alpha=alpha)

    @property
    def scale(self):
        return self._scale

    @property
    def alpha(self):
        return self._alpha

    @property
    def support(self):
        return "[scale, inf)"

    def _where(self, cond, v, fill):
        xp = self.xp
        cond = xp.broadcast_to(cond, self._batch_shape)
        safe = F.where(cond, self._expand(v), xp.full(self._batch_shape, fill, self.dtype))
        return safe

    @functools.cached_property
    def mean(self):
        a = self.alpha
        ok = a.array > 1
        a_safe = F.where(ok, a, self.xp.full(a.shape, 2.0, a.dtype))
        return self._where(ok, a_safe * self.scale / (a_safe - 1), float("inf"))

    @functools.cached_property
    def variance(self):
        a = self.alpha
        ok = a.array > 2
        a_safe = F.where(ok, a, self.xp.full(a.shape, 3.0, a.dtype))
        v = self.scale * self.scale * a_safe / ((a_safe - 1) * (a_safe - 1) * (a_safe - 2))
        return self._where(ok, v, float("inf"))

    @functools.cached_property
    def entropy(self):
        return self._expand(F.log(self.scale) - F.log(self.alpha) + 1.0 / self.alpha + 1.0)

    def log_prob(self, x):
        """``log alpha + alpha log scale - (alpha + 1) log x`` (-inf below ``scale``)."""
        a = self.alpha
        lp = F.log(a) + a * F.log(self.scale) - (a + 1) * F.log(x)
        x_arr = getattr(x, "array", x)
        inside = self.xp.broadcast_to(x_arr >= self.scale.array, lp.shape)
        return F.where(inside, lp, self.xp.full(lp.shape, -float("inf"), lp.dtype))

    def sample_n(self, n):
        return self.scale * F.exp(-F.log(self._uniform(n)) / self.alpha)


@distribution.register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    """``log(a1/a2) + a2 log(s1/s2) + (a2 - a1)/a1`` where ``s1 >= s2``, else inf."""
    a1, s1, a2, s2 = p.alpha, p.scale, q.alpha, q.scale
    kl = F.log(a1) - F.log(a2) + a2 * (F.log(s1) - F.log(s2)) + (a2 - a1) / a1
    kl = _simple.kl_expand(kl, p, q)
    xp = p.xp
    ok = xp.broadcast_to(s1.array >= s2.array, kl.shape)
    return F.where(ok, kl, xp.full(kl.shape, float("inf"), kl.dtype))

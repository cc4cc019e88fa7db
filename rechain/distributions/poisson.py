"""The Poisson and geometric distributions (counts)."""

import functools

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


class Poisson(_simple.Elementwise):
    """Poisson(lam): mass ``lam^x e^(-lam) / x!`` on x = 0, 1, 2, ...

    Args:
        lam (Variable or ndarray): Positive rate.

    Draws are constants of the parameter's dtype.

    Example:
        >>> D.Poisson(np.array([3.])).log_prob(np.array([0.])).array
        array([-3.])
    """

    _param_names = ("lam",)

    def __init__(self, lam):
        self._init_params(lam=lam)

    @property
    def lam(self):
        return self._lam

    @property
    def support(self):
        return "non-negative integer"

    @functools.cached_property
    def mean(self):
        return self._expand(self.lam)

    @functools.cached_property
    def variance(self):
        return self._expand(self.lam)

    def log_prob(self, x):
        """``x log lam - lam - log x!``."""
        x = _as_float(x, self.dtype)
        return x * F.log(self.lam) - self.lam - F.lgamma(x + 1)

    def sample_n(self, n):
        return self._draw(n, "poisson", "lam")


@distribution.register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    kl = p.lam * (F.log(p.lam) - F.log(q.lam)) - p.lam + q.lam
    return _simple.kl_expand(kl, p, q)


class Geometric(_simple.Elementwise):
    """Geometric(p): the number of trials up to the first success, x = 1, 2, ...

    Mass ``(1 - p)^(x-1) p``.

    Args:
        p (Variable or ndarray): Success probability in (0, 1].

    Example:
        >>> D.Geometric(np.array([0.25])).mean.array
        array([4.])
    """

    _param_names = ("p",)

    def __init__(self, p):
        self._init_params(p=p)

    @property
    def p(self):
        return self._p

    @property
    def support(self):
        return "positive integer"

    @functools.cached_property
    def mean(self):
        return self._expand(1.0 / self.p)

    @functools.cached_property
    def variance(self):
        return self._expand((1.0 - self.p) / (self.p * self.p))

    @functools.cached_property
    def entropy(self):
        """``-((1-p) log(1-p) + p log p) / p``."""
        from rechain.distributions import utils
        p = self.p
        return self._expand(-(utils.xlogx(1.0 - p) + utils.xlogx(p)) / p)

    def log_prob(self, x):
        """``(x - 1) log(1 - p) + log p``."""
        x = _as_float(x, self.dtype)
        return (x - 1) * F.log1p(-self.p) + F.log(self.p)

    def sample_n(self, n):
        return self._draw(n, "geometric", "p")


@distribution.register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    """``((1-p1)/p1) log((1-p1)/(1-p2)) + log(p1/p2)``."""
    p1, p2 = p.p, q.p
    kl = (1.0 - p1) / p1 * (F.log1p(-p1) - F.log1p(-p2)) + F.log(p1) - F.log(p2)
    return _simple.kl_expand(kl, p, q)


def _as_float(x, dtype):
    """Integer counts as the parameters' float dtype (a constant)."""
    from rechain import variable
    if isinstance(x, variable.Variable):
        return x if x.dtype == dtype else F.cast(x, dtype)
    return x.astype(dtype, copy=False) if hasattr(x, "astype") else x

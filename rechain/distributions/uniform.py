"""The continuous uniform distribution."""

import functools
import math

from rechain import functions as F
from rechain.distributions import _simple
from rechain.distributions import distribution


class Uniform(_simple.Elementwise):
    """Uniform on [low, high]; give ``low`` and ``high``, or ``loc`` and ``scale``
    (``low = loc``, ``high = loc + scale``), by keyword.

    Args:
        low, high (Variable or ndarray): The bounds (``low < high``).
        loc, scale (Variable or ndarray): The lower bound and the width.

    Draws are reparameterized: ``low + (high - low) u``.

    Example:
        >>> D.Uniform(low=np.array([0.]), high=np.array([2.])).variance.array
        array([0.33333333])
    """

    def __init__(self, *, low=None, high=None, loc=None, scale=None):
        use_bounds = low is not None and high is not None
        use_loc = loc is not None and scale is not None
        given = [n for n, v in (("low", low), ("high", high), ("loc", loc), ("scale", scale))
                 if v is not None]
        if use_bounds == use_loc or len(given) != 2:
            raise ValueError(f"Uniform: give either low and high or loc and scale, got "
                             f"{given or 'none'}")
        self._use_bounds = use_bounds
        if use_bounds:
            self._param_names = ("low", "high")
            self._init_params(low=low, high=high)
        else:
            self._param_names = ("loc", "scale")
            self._init_params(loc=loc, scale=scale)

    @functools.cached_property
    def low(self):
        return self._low if self._use_bounds else self._loc

    @functools.cached_property
    def high(self):
        return self._high if self._use_bounds else self._loc + self._scale

    @functools.cached_property
    def loc(self):
        return self.low

    @functools.cached_property
    def scale(self):
        return self._scale if not self._use_bounds else self._high - self._low

    @property
    def params(self):
        return {"low": self.low, "high": self.high}

    @property
    def support(self):
        return "[low, high]"

    @functools.cached_property
    def mean(self):
        return self._expand(self.low + 0.5 * self.scale)

    @functools.cached_property
    def variance(self):
        return self._expand(self.scale * self.scale * (1 / 12))

    @functools.cached_property
    def stddev(self):
        return self._expand(self.scale * (1 / math.sqrt(12)))

    @functools.cached_property
    def entropy(self):
        return self._expand(F.log(self.scale))

    def _inside(self, x, shape):
        x_arr = getattr(x, "array", x)
        xp = self.xp
        return xp.broadcast_to((x_arr >= self.low.array) & (x_arr <= self.high.array), shape)

    def log_prob(self, x):
        """``-log(high - low)`` on [low, high], ``-inf`` outside."""
        lp = -F.log(self.scale) + 0 * x
        return F.where(self._inside(x, lp.shape), lp,
                       self.xp.full(lp.shape, -float("inf"), lp.dtype))

    def cdf(self, x):
        return F.clip((x - self.low) / self.scale, 0.0, 1.0)

    def icdf(self, x):
        return self.low + self.scale * x

    def sample_n(self, n):
        return self.low + self.scale * self._uniform(n)


@distribution.register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    """``log(width_q / width_p)`` where p's interval lies in q's, else inf."""
    kl = _simple.kl_expand(F.log(q.scale) - F.log(p.scale), p, q)
    xp = p.xp
    ok = xp.broadcast_to((p.low.array >= q.low.array) & (p.high.array <= q.high.array),
                         kl.shape)
    return F.where(ok, kl, xp.full(kl.shape, float("inf"), kl.dtype))

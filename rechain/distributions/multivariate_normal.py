"""The multivariate normal distribution, parameterised by a Cholesky factor.

The triangular solves are forward substitutions written with differentiable
rechain functions (one step per dimension), so gradients of every order flow
to ``loc`` and ``scale_tril``; they suit the small event sizes distributions
are used with.
"""

import functools
import math

import numpy

from rechain import functions as F
from rechain import variable
from rechain.distributions import _params
from rechain.distributions import distribution

_LOG_2PI = math.log(2 * math.pi)


def _diag(L):
    """The diagonals ``(..., d)`` of ``(..., d, d)`` matrices."""
    d = L.shape[-1]
    return F.stack([L[..., i, i] for i in range(d)], axis=-1)


def _solve_tril(L, y):
    """``z`` with ``L z = y`` for lower-triangular ``L`` ``(..., d, d)`` and ``y``
    ``(..., d, m)`` (broadcasting over the leading axes)."""
    d = L.shape[-1]
    rows = []
    for i in range(d):
        r = y[..., i, :]
        for j in range(i):
            r = r - F.broadcast_to(F.expand_dims(L[..., i, j], -1), rows[j].shape) * rows[j]
        rows.append(r / F.broadcast_to(F.expand_dims(L[..., i, i], -1), r.shape))
    return F.stack(rows, axis=-2)


class MultivariateNormal(distribution.Distribution):
    """MultivariateNormal(loc, scale_tril): N(loc, L Lᵀ) with ``L = scale_tril``.

    Args:
        loc (Variable or ndarray): Mean ``(..., d)``.
        scale_tril (Variable or ndarray): Lower-triangular Cholesky factor of
            the covariance ``(..., d, d)`` with a positive diagonal (its upper
            triangle is not read).

    Draws are reparameterized: ``loc + L eps``.

    Example:
        >>> d = D.MultivariateNormal(np.zeros(2), scale_tril=np.eye(2))
        >>> d.log_prob(np.zeros(2)).array
        array(-1.83787707)
    """

    def __init__(self, loc, scale_tril=None, **kwargs):
        if kwargs:
            raise TypeError(f"MultivariateNormal: unexpected keyword arguments "
                            f"{sorted(kwargs)} (give loc and scale_tril)")
        if scale_tril is None:
            raise ValueError("MultivariateNormal: scale_tril is required")
        loc = _params.as_param(loc, "MultivariateNormal", "loc")
        L = _params.as_param(scale_tril, "MultivariateNormal", "scale_tril")
        _params.check_dtypes("MultivariateNormal", [("loc", loc), ("scale_tril", L)])
        if loc.ndim < 1 or L.ndim < 2 or L.shape[-1] != L.shape[-2] \
                or L.shape[-1] != loc.shape[-1]:
            raise ValueError(f"MultivariateNormal: loc must be (..., d) and scale_tril "
                             f"(..., d, d) with the same d, got loc {loc.shape} and "
                             f"scale_tril {L.shape}")
        try:
            batch = tuple(numpy.broadcast_shapes(loc.shape[:-1], L.shape[:-2]))
        except ValueError:
            raise ValueError(f"MultivariateNormal: batch shapes of loc {loc.shape} and "
                             f"scale_tril {L.shape} do not broadcast") from None
        self._batch_shape = batch
        self.d = loc.shape[-1]
        xp = L.xp
        mask = xp.tril(xp.ones((self.d, self.d), dtype=L.dtype))
        self._loc = loc
        self._L = L * mask  # the upper triangle does not take part
        self._L_full = F.broadcast_to(self._L, batch + (self.d, self.d))

    @property
    def loc(self):
        return self._loc

    @property
    def scale_tril(self):
        return self._L

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return (self.d,)

    @property
    def params(self):
        return {"loc": self.loc, "scale_tril": self.scale_tril}

    @property
    def support(self):
        return "real"

    @functools.cached_property
    def mean(self):
        return _params.expand(self.loc, self._batch_shape + (self.d,))

    @functools.cached_property
    def covariance(self):
        L = self._L_full
        return F.matmul(L, F.swapaxes(L, -1, -2))

    @functools.cached_property
    def variance(self):
        return _diag(self.covariance)

    @functools.cached_property
    def _half_logdet(self):
        return F.sum(F.log(_diag(self._L_full)), axis=-1)

    @functools.cached_property
    def entropy(self):
        return self._half_logdet + 0.5 * self.d * (1 + _LOG_2PI)

    def log_prob(self, x):
        """``-|L⁻¹(x - loc)|²/2 - log|L| - (d/2) log 2 pi``."""
        diff = x - self.loc
        shape = tuple(numpy.broadcast_shapes(diff.shape[:-1], self._batch_shape))
        diff = _params.expand(diff, shape + (self.d,))
        L = _params.expand(self._L, shape + (self.d, self.d))
        z = _solve_tril(L, F.expand_dims(diff, -1))
        return -0.5 * F.sum(z * z, axis=(-2, -1)) - _params.expand(
            self._half_logdet, shape) - 0.5 * self.d * _LOG_2PI

    def prob(self, x):
        return F.exp(self.log_prob(x))

    def sample_n(self, n):
        from rechain import random as _random
        gen = _random.get_generator(numpy)
        shape = (int(n),) + self._batch_shape + (self.d, 1)
        eps = gen.standard_normal(shape).astype(self.loc.dtype)
        xp = self.xp
        eps = variable.Variable(eps if xp is numpy else xp.asarray(eps), requires_grad=False)
        L = F.broadcast_to(self._L_full, (int(n),) + self._batch_shape + (self.d, self.d))
        return self.loc + F.squeeze(F.matmul(L, eps), -1)


@distribution.register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p, q):
    """``log|L2|/|L1| + (|L2⁻¹ L1|²_F + |L2⁻¹(m2 - m1)|² - d) / 2``."""
    batch = tuple(numpy.broadcast_shapes(p.batch_shape, q.batch_shape))
    d = p.d
    L1 = _params.expand(p._L, batch + (d, d))
    L2 = _params.expand(q._L, batch + (d, d))
    m = _params.expand(q.loc - p.loc, batch + (d,))
    a = _solve_tril(L2, L1)
    b = _solve_tril(L2, F.expand_dims(m, -1))
    return (_params.expand(q._half_logdet, batch) - _params.expand(p._half_logdet, batch)
            + 0.5 * (F.sum(a * a, axis=(-2, -1)) + F.sum(b * b, axis=(-2, -1)) - d))

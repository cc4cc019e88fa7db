"""The normal (Gaussian) distribution."""

import functools
import math

import numpy

from rechain import backend
from rechain import random as _random
from rechain.distributions import _params
from rechain.distributions import distribution
from rechain.functions.math.exponential import exp, log

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_ENTROPY_C = 0.5 * math.log(2 * math.pi * math.e)


class Normal(distribution.Distribution):
    """Normal distribution N(loc, scale²), elementwise over its batch.

    Args:
        loc (Variable or ndarray): Mean.
        scale (Variable or ndarray): Standard deviation (positive).
        log_scale (Variable or ndarray): Its logarithm; give exactly one of
            ``scale`` and ``log_scale`` (the VAE encoder gives ``log_scale``).

    The batch shape is the broadcast shape of the parameters; the event shape
    is ``()``. ``sample`` is reparameterized: ``loc + scale * eps``, with
    ``eps`` from the framework stream, so it is differentiable in the
    parameters.

    Example:
        >>> d = D.Normal(numpy.zeros(2, numpy.float32), log_scale=numpy.zeros(2, numpy.float32))
        >>> d.log_prob(numpy.zeros(2, numpy.float32)).shape
        (2,)
    """

    def __init__(self, loc, scale=None, log_scale=None):
        if (scale is None) == (log_scale is None):
            raise ValueError("Normal: give exactly one of scale and log_scale")
        self._loc = _params.as_param(loc, "Normal", "loc")
        if scale is not None:
            self._scale = _params.as_param(scale, "Normal", "scale")
            other = ("scale", self._scale)
        else:
            self._log_scale = _params.as_param(log_scale, "Normal", "log_scale")
            other = ("log_scale", self._log_scale)
        named = [("loc", self._loc), other]
        _params.check_dtypes("Normal", named)
        self._batch_shape = _params.batch_shape("Normal", named)

    @property
    def loc(self):
        return self._loc

    @functools.cached_property
    def scale(self):
        s = self.__dict__.get("_scale")
        return s if s is not None else exp(self._log_scale)

    @functools.cached_property
    def log_scale(self):
        s = self.__dict__.get("_log_scale")
        return s if s is not None else log(self._scale)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {"loc": self.loc, "scale": self.scale}

    @property
    def support(self):
        return "real"

    @functools.cached_property
    def mean(self):
        return _params.expand(self.loc, self._batch_shape)

    @property
    def mode(self):
        return self.mean

    @functools.cached_property
    def variance(self):
        return _params.expand(self.scale ** 2, self._batch_shape)

    @functools.cached_property
    def stddev(self):
        return _params.expand(self.scale, self._batch_shape)

    @functools.cached_property
    def entropy(self):
        return _params.expand(self.log_scale + _ENTROPY_C, self._batch_shape)

    def log_prob(self, x):
        """log N(x; loc, scale²) = -log scale - log sqrt(2 pi) - (x - loc)² / (2 scale²)."""
        z = (x - self.loc) / self.scale
        return -0.5 * (z * z) - self.log_scale - _LOG_SQRT_2PI

    def prob(self, x):
        return exp(self.log_prob(x))

    def sample_n(self, n):
        dtype = self._loc.dtype
        xp = backend.get_array_module(self._loc.array)
        shape = (int(n),) + self._batch_shape
        gen = _random.get_generator(xp)
        if dtype.itemsize >= 4:
            eps = gen.standard_normal(shape, dtype=dtype)
        else:  # the generators draw float32 or float64
            eps = gen.standard_normal(shape, dtype=numpy.float32).astype(dtype)
        return self.loc + self.scale * eps


@distribution.register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    """KL(N(m1, s1²) || N(m2, s2²)) = log(s2/s1) + (s1² + (m1 - m2)²) / (2 s2²) - 1/2."""
    d = (p.loc - q.loc) / q.scale
    r = p.scale / q.scale
    kl = q.log_scale - p.log_scale + 0.5 * (r * r + d * d) - 0.5
    return _params.expand(kl, tuple(numpy.broadcast_shapes(p.batch_shape, q.batch_shape)))

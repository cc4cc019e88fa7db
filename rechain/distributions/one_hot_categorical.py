"""The one-hot categorical distribution: a categorical draw as a one-hot vector."""

import functools

import numpy

from rechain import backend
from rechain import functions as F
from rechain import random as _random
from rechain import variable
from rechain.distributions import _params
from rechain.distributions import distribution
from rechain.distributions import utils


class OneHotCategorical(distribution.Distribution):
    """OneHotCategorical(p): ``x`` is one-hot over the last axis, ``P(x = e_i) = p_i``.

    Args:
        p (Variable or ndarray): Probabilities along the last axis (summing to one).

    The event shape is ``(K,)``; draws are constant one-hot arrays of ``p``'s dtype.

    Example:
        >>> d = D.OneHotCategorical(np.array([0.2, 0.8]))
        >>> d.log_prob(np.array([0., 1.])).array
        array(-0.22314355)
    """

    def __init__(self, p):
        self._p = _params.as_param(p, "OneHotCategorical", "p")
        if self._p.ndim < 1:
            raise ValueError(f"OneHotCategorical: p needs a last axis of categories, got "
                             f"shape {self._p.shape}")

    @property
    def p(self):
        return self._p

    @functools.cached_property
    def log_p(self):
        return F.log(self._p)

    @property
    def batch_shape(self):
        return self._p.shape[:-1]

    @property
    def event_shape(self):
        return self._p.shape[-1:]

    @property
    def params(self):
        return {"p": self.p}

    @property
    def support(self):
        return f"one-hot vectors of length {self._p.shape[-1]}"

    @property
    def mean(self):
        return self.p

    @functools.cached_property
    def variance(self):
        return self.p * (1.0 - self.p)

    @functools.cached_property
    def entropy(self):
        return -F.sum(utils.xlogx(self.p), axis=-1)

    def log_prob(self, x):
        """``sum_i x_i log p_i`` (zero-probability categories that are not drawn add 0)."""
        x_arr = getattr(x, "array", x)
        xp = backend.get_array_module(x_arr)
        hit = xp.broadcast_to(x_arr != 0, numpy.broadcast_shapes(x_arr.shape, self.p.shape))
        safe = F.where(hit, self.log_p, xp.zeros(hit.shape, self.p.dtype))
        return F.sum(safe * x, axis=-1)

    def prob(self, x):
        return F.exp(self.log_prob(x))

    def sample_n(self, n):
        p = backend.to_cpu(self.p.array).astype(numpy.float64)
        k = p.shape[-1]
        flat = p.reshape(-1, k)
        cum = numpy.cumsum(flat, axis=-1)
        u = _random.get_generator(numpy).random((int(n), flat.shape[0], 1)) * cum[:, -1:]
        idx = numpy.minimum((u >= cum[None]).sum(axis=-1), k - 1)
        out = numpy.eye(k, dtype=self.p.dtype)[idx].reshape((int(n),) + p.shape)
        xp = self.xp
        return variable.Variable(out if xp is numpy else xp.asarray(out), requires_grad=False)


@distribution.register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p, q):
    return F.sum(utils.xlogx(p.p) - p.p * q.log_p, axis=-1)

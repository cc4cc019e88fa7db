"""The categorical distribution over ``{0, ..., K-1}`` (the last axis of its parameter)."""

import functools

import numpy

from rechain import backend
from rechain import random as _random
from rechain import variable
from rechain.distributions import _params
from rechain.distributions import distribution
from rechain.distributions import utils


class Categorical(distribution.Distribution):
    """Categorical distribution: P(x = i) = p[..., i].

    Args:
        p (Variable or ndarray): Probabilities along the last axis (summing
            to one).
        logit (Variable or ndarray): Unnormalized log-probabilities
            (``log p + c``); give exactly one of ``p`` and ``logit``.

    The batch shape is the parameter's shape without its last axis; draws
    are int64 class indices.

    Example:
        >>> d = D.Categorical(logit=numpy.zeros((2, 4), numpy.float32))
        >>> d.log_prob(numpy.array([0, 3])).shape
        (2,)
    """

    def __init__(self, p=None, logit=None):
        if (p is None) == (logit is None):
            raise ValueError("Categorical: give exactly one of p and logit")
        name = "p" if p is not None else "logit"
        v = _params.as_param(p if p is not None else logit, "Categorical", name)
        if v.ndim < 1 or v.shape[-1] < 1:
            raise ValueError(f"Categorical: {name} needs a last axis of categories, got "
                             f"shape {v.shape}")
        if p is not None:
            self._p = v
        else:
            self._logit = v
        self._shape = v.shape

    @functools.cached_property
    def p(self):
        from rechain.functions.math.exponential import exp
        p = self.__dict__.get("_p")
        return p if p is not None else exp(self.log_p)

    @functools.cached_property
    def log_p(self):
        from rechain.functions.activation.softmax import log_softmax
        from rechain.functions.math.exponential import log
        p = self.__dict__.get("_p")
        return log(p) if p is not None else log_softmax(self._logit, axis=-1)

    @property
    def batch_shape(self):
        return self._shape[:-1]

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {"p": self.p}

    @property
    def support(self):
        return f"{{0, ..., {self._shape[-1] - 1}}}"

    @functools.cached_property
    def entropy(self):
        from rechain.functions.math.sum import sum as _sum
        return -_sum(utils.xlogx(self.p), axis=-1)

    def log_prob(self, x):
        """log p[..., x]: ``x`` holds class indices and broadcasts with the batch."""
        from rechain.functions.array.broadcast import broadcast_to
        from rechain.functions.array.reshape import reshape
        from rechain.functions.array.select_item import select_item
        xa = x.array if isinstance(x, variable.Variable) else x
        if not isinstance(xa, backend.array_types):
            xa = numpy.asarray(xa)
        if xa.dtype.kind == "f":
            if not (xa == xa.astype(numpy.int64)).all():
                raise ValueError("Categorical.log_prob: x must hold class indices, got "
                                 "non-integer values")
        elif xa.dtype.kind not in "iu":
            raise TypeError(f"Categorical.log_prob: x must hold class indices, got dtype "
                            f"{xa.dtype}")
        k = self._shape[-1]
        if xa.size and (int(xa.min()) < 0 or int(xa.max()) >= k):
            raise ValueError(f"Categorical.log_prob: x must be in [0, {k}), got values in "
                             f"[{int(xa.min())}, {int(xa.max())}]")
        try:
            shape = numpy.broadcast_shapes(xa.shape, self.batch_shape)
        except ValueError:
            raise ValueError(f"Categorical.log_prob: x {xa.shape} does not broadcast with "
                             f"the batch shape {self.batch_shape}") from None
        xp = backend.get_array_module(xa)
        idx = xp.broadcast_to(xa, shape).reshape(-1).astype(numpy.int32)
        log_p = self.log_p
        if log_p.shape[:-1] != shape:
            log_p = broadcast_to(log_p, shape + (k,))
        return reshape(select_item(reshape(log_p, (-1, k)), idx), shape)

    def prob(self, x):
        from rechain.functions.math.exponential import exp
        return exp(self.log_prob(x))

    def sample_n(self, n):
        pa = self.p.array
        xp = backend.get_array_module(pa)
        cdf = xp.cumsum(pa, axis=-1)
        u = _random.get_generator(xp).random((int(n),) + pa.shape[:-1], dtype=pa.dtype)
        # the first index whose cumulative probability exceeds u (total mass rescaled)
        u = u * cdf[..., -1]
        idx = (u[..., None] >= cdf).sum(axis=-1)
        return variable.Variable(xp.minimum(idx, pa.shape[-1] - 1).astype(numpy.int64),
                                 requires_grad=False)


@distribution.register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    from rechain.functions.math.sum import sum as _sum
    return _sum(p.p * (p.log_p - q.log_p), axis=-1)

"""The Bernoulli distribution, parameterized by a probability or a logit."""

import functools

import numpy

from rechain import backend
from rechain import function_node
from rechain import random as _random
from rechain import variable
from rechain.distributions import _params
from rechain.distributions import distribution
from rechain.distributions import utils


def _as_values(x, logit, where):
    """``x`` as an array of the logit's dtype (a Variable's array, or an array)."""
    a = x.array if isinstance(x, variable.Variable) else x
    if not isinstance(a, backend.array_types):
        if isinstance(a, (bool, int, float)):
            a = numpy.asarray(a)
        else:
            raise TypeError(f"{where}: x must be a Variable or an array, not "
                            f"{type(x).__name__}")
    return a


class BernoulliLogProb(function_node.FunctionNode):
    """log P(x; logit) = x * logit - softplus(logit), computed without cancellation.

    Inputs ``(logit, x)`` broadcast together. For an infinite logit the value
    is the limit (``log x`` for +inf, ``log(1 - x)`` for -inf); its gradient
    there is NaN, as Chainer's. With ``binary_check``, an ``x`` other than 0
    or 1 gives ``-inf`` (and a NaN gradient). ``x`` gets no gradient (it is
    an observation), as in Chainer.
    """

    def __init__(self, binary_check=False):
        self.binary_check = binary_check

    def forward(self, inputs):
        logit, x = inputs
        xp = backend.get_array_module(logit)
        self.retain_inputs((0, 1))
        x = x.astype(logit.dtype, copy=False)
        # x l - softplus(l) = -(x softplus(-l) + (1 - x) softplus(l)): no cancellation
        # for large |l|; softplus(l) = max(l, 0) + log1p(exp(-|l|)) never overflows.
        with numpy.errstate(invalid="ignore", over="ignore", under="ignore"):
            tail = xp.log1p(xp.exp(-abs(logit)))
            y = -(x * (xp.maximum(-logit, 0) + tail) + (1 - x) * (xp.maximum(logit, 0) + tail))
        inf = xp.isinf(logit)
        if inf.any():
            with numpy.errstate(divide="ignore", invalid="ignore"):
                y = xp.where(inf & (logit > 0), xp.log(x), y)
                y = xp.where(inf & (logit < 0), xp.log1p(-x), y)
        if self.binary_check:
            y = xp.where((x != 0) & (x != 1), logit.dtype.type(-numpy.inf), y)
        return xp.asarray(y, dtype=logit.dtype),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.activation.sigmoid import sigmoid
        from rechain.functions.array.broadcast import sum_to
        from rechain.functions.array.where import where
        logit, x = self.get_retained_inputs()
        xp = backend.get_array_module(logit.array)
        la, xa = logit.array, x.array.astype(logit.dtype, copy=False)
        g = variable._constant(xa) - sigmoid(logit)
        bad = xp.isinf(la)
        if self.binary_check:
            bad = bad | ((xa != 0) & (xa != 1))
        if bad.any():
            nan = xp.full(numpy.broadcast_shapes(la.shape, xa.shape), numpy.nan,
                          dtype=la.dtype)
            g = where(xp.broadcast_to(bad, nan.shape), nan, _params.expand(g, nan.shape))
        gl = grad_outputs[0] * g
        if gl.shape != la.shape:
            gl = sum_to(gl, la.shape)
        return tuple([gl if i == 0 else None for i in indexes])


def bernoulli_log_prob(logit, x, binary_check=False):
    """log P(x) of a Bernoulli of logit ``logit``: ``x * logit - softplus(logit)``.

    Stable for any logit (no overflow for large ``|logit|``).

    Args:
        logit (Variable or ndarray): Log-odds, broadcast with ``x``.
        x (Variable or ndarray): Observations (0 or 1, or in [0, 1]).
        binary_check (bool): ``-inf`` where ``x`` is neither 0 nor 1.

    Example:
        >>> bernoulli_log_prob(numpy.array([0.0]), numpy.array([1.0])).array
        array([-0.69314718])
    """
    logit = _params.as_param(logit, "bernoulli_log_prob", "logit")
    xa = _as_values(x, logit, "bernoulli_log_prob")
    try:
        numpy.broadcast_shapes(logit.shape, xa.shape)
    except ValueError:
        raise ValueError(f"bernoulli_log_prob: logit {logit.shape} and x {xa.shape} do not "
                         f"broadcast") from None
    return BernoulliLogProb(binary_check).apply((logit, variable._constant(xa)))[0]


class Bernoulli(distribution.Distribution):
    """Bernoulli distribution: P(x = 1) = p, P(x = 0) = 1 - p, elementwise.

    Args:
        p (Variable or ndarray): Probability of 1.
        logit (Variable or ndarray): Log-odds ``log(p / (1 - p))``; give
            exactly one of ``p`` and ``logit``. With ``logit``, ``log_prob``
            is exact for any value (the VAE decoder gives ``logit``).
        binary_check (bool): ``log_prob`` is ``-inf`` (and ``prob`` 0) for
            values other than 0 and 1.

    Samples are drawn from the framework stream; they are int64 (as
    Chainer's) and not differentiable.

    Example:
        >>> d = D.Bernoulli(logit=numpy.zeros(3, numpy.float32))
        >>> d.log_prob(numpy.ones(3, numpy.float32)).array
        array([-0.6931472, -0.6931472, -0.6931472], dtype=float32)
    """

    def __init__(self, p=None, logit=None, binary_check=False):
        if (p is None) == (logit is None):
            raise ValueError("Bernoulli: give exactly one of p and logit")
        if p is not None:
            self._p = _params.as_param(p, "Bernoulli", "p")
            self._batch_shape = self._p.shape
        else:
            self._logit = _params.as_param(logit, "Bernoulli", "logit")
            self._batch_shape = self._logit.shape
        self.binary_check = bool(binary_check)

    @functools.cached_property
    def p(self):
        from rechain.functions.activation.sigmoid import sigmoid
        p = self.__dict__.get("_p")
        return p if p is not None else sigmoid(self._logit)

    @functools.cached_property
    def logit(self):
        from rechain.functions.math.exponential import log, log1p
        logit = self.__dict__.get("_logit")
        return logit if logit is not None else log(self._p) - log1p(-self._p)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {"logit": self.logit}

    @property
    def support(self):
        return "{0, 1}"

    @property
    def mean(self):
        return self.p

    @functools.cached_property
    def variance(self):
        return self.p * (1.0 - self.p)

    @functools.cached_property
    def stddev(self):
        from rechain.functions.math.sqrt import sqrt
        return sqrt(self.variance)

    @functools.cached_property
    def entropy(self):
        p = self.p
        return -(utils.xlogx(p) + utils.xlogx(1.0 - p))

    def log_prob(self, x):
        return bernoulli_log_prob(self.logit, x, self.binary_check)

    def prob(self, x):
        xa = _as_values(x, self.p, "Bernoulli.prob").astype(self.p.dtype, copy=False)
        p = self.p
        out = xa * p + (1.0 - xa) * (1.0 - p)
        if self.binary_check:
            xp = backend.get_array_module(xa)
            out = out * xp.asarray((xa == 0) | (xa == 1), dtype=p.dtype)
        return out

    def sample_n(self, n):
        pa = self.p.array
        xp = backend.get_array_module(pa)
        u = _random.get_generator(xp).random((int(n),) + pa.shape)
        return variable.Variable((u < pa).astype(numpy.int64), requires_grad=False)


@distribution.register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    """KL = p1 (l1 - l2) - softplus(l1) + softplus(l2), l the logits (stable)."""
    from rechain.functions.activation.softplus import softplus
    return p.p * (p.logit - q.logit) - softplus(p.logit) + softplus(q.logit)

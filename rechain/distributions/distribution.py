"""The probability-distribution base class and the KL-divergence registry.

A :class:`Distribution` holds its parameters as Variables, so every statistic
and every ``log_prob`` is an ordinary differentiable expression of rechain
functions: gradients, double backprop and ``F.forget`` work through them.
Samples are drawn from the framework stream (``rechain.random``), so they
follow ``numpy.random.seed`` / ``rechain.random.seed`` and a forget region
replays them exactly; continuous samples are reparameterized
(differentiable in the parameters).

Shapes follow Chainer: a distribution has a ``batch_shape`` (independent,
not identically distributed draws) and an ``event_shape`` (one draw);
``sample(sample_shape)`` returns ``sample_shape + batch_shape + event_shape``.
"""

from rechain import backend


class Distribution:
    """Base class of probability distributions.

    Subclasses implement the statistics they have in closed form and
    :meth:`sample_n`; the others raise ``NotImplementedError`` naming the
    class and the member.
    """

    def _missing(self, what):
        return NotImplementedError(f"{type(self).__name__} does not implement {what}")

    @property
    def batch_shape(self):
        """tuple of ints: the shape of the batch of distributions."""
        raise self._missing("batch_shape")

    @property
    def event_shape(self):
        """tuple of ints: the shape of one draw."""
        raise self._missing("event_shape")

    @property
    def params(self):
        """dict of Variables: the parameters of the distribution."""
        raise self._missing("params")

    @property
    def mean(self):
        raise self._missing("mean")

    @property
    def mode(self):
        raise self._missing("mode")

    @property
    def variance(self):
        raise self._missing("variance")

    @property
    def stddev(self):
        raise self._missing("stddev")

    @property
    def covariance(self):
        raise self._missing("covariance")

    @property
    def entropy(self):
        raise self._missing("entropy")

    @property
    def support(self):
        """str: a description of the set of values of a draw."""
        raise self._missing("support")

    def log_prob(self, x):
        """Log density (or log mass) of ``x``, per batch element."""
        raise self._missing("log_prob")

    def prob(self, x):
        """Density (or mass) of ``x``, per batch element."""
        raise self._missing("prob")

    def cdf(self, x):
        raise self._missing("cdf")

    def icdf(self, x):
        raise self._missing("icdf")

    def log_cdf(self, x):
        raise self._missing("log_cdf")

    def survival_function(self, x):
        raise self._missing("survival_function")

    def log_survival_function(self, x):
        raise self._missing("log_survival_function")

    def perplexity(self, x):
        raise self._missing("perplexity")

    def sample_n(self, n):
        """``n`` draws: a Variable of shape ``(n,) + batch_shape + event_shape``."""
        raise self._missing("sample_n")

    def sample(self, sample_shape=()):
        """Draws of shape ``sample_shape + batch_shape + event_shape``.

        Args:
            sample_shape (int or tuple of ints): ``()`` for one draw (no
                sample axis), an int ``k`` for ``(k,)``, or a tuple.

        Returns:
            Variable: The draws.
        """
        if isinstance(sample_shape, bool):
            raise TypeError(f"{type(self).__name__}.sample: sample_shape must be an int or a "
                            f"tuple of ints, not bool")
        if isinstance(sample_shape, int) or hasattr(sample_shape, "__index__"):
            sample_shape = (int(sample_shape),)
        if not isinstance(sample_shape, (tuple, list)) or not all(
                hasattr(s, "__index__") and not isinstance(s, bool) for s in sample_shape):
            raise TypeError(f"{type(self).__name__}.sample: sample_shape must be an int or a "
                            f"tuple of ints, not {type(sample_shape).__name__}")
        sample_shape = tuple(int(s) for s in sample_shape)
        if any(s < 0 for s in sample_shape):
            raise ValueError(f"{type(self).__name__}.sample: sample_shape must not be "
                             f"negative, got {sample_shape}")
        n = 1
        for s in sample_shape:
            n *= s
        draws = self.sample_n(n)
        final = sample_shape + tuple(self.batch_shape) + tuple(self.event_shape)
        return draws.reshape(final) if draws.shape != final else draws

    @property
    def xp(self):
        """``numpy`` or ``cupy``: the module of the parameters' arrays."""
        return backend.get_array_module(*[v.array for v in self.params.values()])

    def __repr__(self):
        return (f"{type(self).__name__}(batch_shape={tuple(self.batch_shape)}, "
                f"event_shape={tuple(self.event_shape)})")


_KL = {}


def register_kl(dist1_type, dist2_type):
    """Decorator registering ``f(dist1, dist2)`` as KL(dist1 || dist2) for two types.

    Args:
        dist1_type (type): Class of the first (left) distribution.
        dist2_type (type): Class of the second (right) distribution.

    Example:
        >>> @register_kl(MyDist, MyDist)
        ... def _kl_my_my(p, q):
        ...     return ...
    """
    for t, pos in ((dist1_type, "dist1_type"), (dist2_type, "dist2_type")):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl: {pos} must be a Distribution subclass, got {t!r}")

    def register(f):
        _KL[dist1_type, dist2_type] = f
        return f
    return register


def _find_kl(t1, t2):
    f = _KL.get((t1, t2))
    if f is not None:
        return f
    # the most specific registered pair along both classes' MROs
    for a in t1.__mro__:
        for b in t2.__mro__:
            f = _KL.get((a, b))
            if f is not None:
                return f
    return None


def kl_divergence(dist1, dist2):
    """Kullback-Leibler divergence KL(dist1 || dist2), per batch element.

    Uses the function registered with :func:`register_kl` for the two types
    (or their closest registered base classes).

    Example:
        >>> q = D.Normal(numpy.zeros(3), scale=numpy.ones(3))
        >>> rechain.kl_divergence(q, q).array
        array([0., 0., 0.])
    """
    f = _find_kl(type(dist1), type(dist2))
    if f is None:
        raise NotImplementedError(f"kl_divergence: no KL divergence is registered for "
                                  f"({type(dist1).__name__}, {type(dist2).__name__})")
    return f(dist1, dist2)


def cross_entropy(dist1, dist2):
    """Cross entropy H(dist1, dist2) = entropy(dist1) + KL(dist1 || dist2)."""
    return dist1.entropy + kl_divergence(dist1, dist2)

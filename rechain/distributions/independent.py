"""Independent: the rightmost batch axes of a distribution read as event axes."""

from rechain.distributions import distribution


class Independent(distribution.Distribution):
    """The last ``reinterpreted_batch_ndims`` batch axes of ``distribution`` as event axes.

    ``log_prob`` and ``entropy`` are summed over those axes (the components
    are independent); ``mean``, ``variance`` and draws are the base's.

    Args:
        distribution (Distribution): The base distribution.
        reinterpreted_batch_ndims (int or None): How many rightmost batch
            axes become event axes; None: all but the first.

    Example:
        >>> d = D.Independent(D.Normal(numpy.zeros((5, 3)), scale=numpy.ones((5, 3))))
        >>> d.batch_shape, d.event_shape
        ((5,), (3,))
    """

    def __init__(self, distribution, reinterpreted_batch_ndims=None):
        if not isinstance(distribution, _base()):
            raise TypeError(f"Independent: distribution must be a Distribution, "
                            f"not {type(distribution).__name__}")
        base_batch = tuple(distribution.batch_shape)
        if reinterpreted_batch_ndims is None:
            reinterpreted_batch_ndims = max(0, len(base_batch) - 1)
        r = reinterpreted_batch_ndims
        if isinstance(r, bool) or not isinstance(r, int) or not 0 <= r <= len(base_batch):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be an int in "
                             f"[0, {len(base_batch)}] (the base batch shape is {base_batch}), "
                             f"got {r!r}")
        self._distribution = distribution
        self._ndims = r
        cut = len(base_batch) - r
        self._batch_shape = base_batch[:cut]
        self._event_shape = base_batch[cut:] + tuple(distribution.event_shape)

    @property
    def distribution(self):
        return self._distribution

    @property
    def reinterpreted_batch_ndims(self):
        return self._ndims

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _reduce(self, v):
        from rechain.functions.math.sum import sum as _sum
        if self._ndims == 0:
            return v
        return _sum(v, axis=tuple(range(-self._ndims, 0)))

    @property
    def params(self):
        return self._distribution.params

    @property
    def support(self):
        return self._distribution.support

    @property
    def mean(self):
        return self._distribution.mean

    @property
    def mode(self):
        return self._distribution.mode

    @property
    def variance(self):
        return self._distribution.variance

    @property
    def stddev(self):
        return self._distribution.stddev

    @property
    def entropy(self):
        return self._reduce(self._distribution.entropy)

    def log_prob(self, x):
        return self._reduce(self._distribution.log_prob(x))

    def prob(self, x):
        from rechain.functions.math.exponential import exp
        return exp(self.log_prob(x))

    def sample_n(self, n):
        return self._distribution.sample_n(n)

    @property
    def xp(self):
        return self._distribution.xp


def _base():
    return distribution.Distribution


@distribution.register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    """The base KL summed over the reinterpreted axes (components are independent)."""
    from rechain.functions.math.sum import sum as _sum
    if p.event_shape != q.event_shape:
        raise ValueError(f"kl_divergence: the event shapes of the Independents differ: "
                         f"{p.event_shape} and {q.event_shape}")
    pb, qb = p.distribution, q.distribution
    if tuple(pb.event_shape) != tuple(qb.event_shape):
        raise NotImplementedError(
            f"kl_divergence: Independents over bases of different event shapes "
            f"({tuple(pb.event_shape)} and {tuple(qb.event_shape)}) are not supported")
    kl = distribution.kl_divergence(pb, qb)
    n = len(p.event_shape) - len(tuple(pb.event_shape))
    return _sum(kl, axis=tuple(range(-n, 0))) if n else kl

"""NegativeSampling: the word2vec output layer trained by negative sampling."""

import numpy

from rechain import backend
from rechain import configuration
from rechain import initializers
from rechain import variable as _variable
from rechain.functions.loss import negative_sampling as _ns  # the module: looked up per call
from rechain.links import link as _link
from rechain.utils.walker_alias import WalkerAlias


class NegativeSampling(_link.Link):
    """Negative-sampling loss with a learned output embedding ``W`` (zeros at first).

    Negatives are drawn from the unigram distribution raised to ``power``
    (``counts ** power``, normalised) by a :class:`rechain.utils.WalkerAlias`
    sampler, from the framework random stream: ``rechain.random.seed`` makes
    training reproducible, and ``F.forget`` replays the same negatives.

    Args:
        in_size (int): Dimension of the inputs.
        counts (sequence of int or float): Frequency of each word; the
            vocabulary size is ``len(counts)``.
        sample_size (int): Number of negatives per example.
        power (float): Exponent applied to ``counts``.
        dtype: dtype of ``W`` (default ``config.dtype``).

    Attributes:
        W (Parameter): ``(len(counts), in_size)``.
        sampler (WalkerAlias): The negative sampler; ``sampler.sample`` is
            what :func:`F.negative_sampling` calls.

    Example:
        >>> ns = L.NegativeSampling(4, [5, 3, 2], sample_size=2)
        >>> ns(numpy.ones((2, 4), numpy.float32), numpy.array([0, 2], numpy.int32)).shape
        ()
    """

    def __init__(self, in_size, counts, sample_size, power=0.75, dtype=None):
        super().__init__()
        dtype = numpy.dtype(configuration.config.dtype if dtype is None else dtype)
        p = numpy.asarray(counts, dtype=numpy.float64)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f"NegativeSampling: counts must be a non-empty 1-d sequence, got "
                             f"shape {p.shape}")
        self.sample_size = sample_size
        self.power = power
        self.sampler = WalkerAlias(numpy.power(p, power))
        with self.init_scope():
            self.W = _variable.Parameter(initializers.Constant(0, dtype), (p.size, in_size))

    def _sync_sampler(self):
        # Parameters move with the link (also through a parent's to_gpu); the
        # sampler's table follows W here, where it is used.
        on_gpu = not isinstance(self.W.array, numpy.ndarray)
        if on_gpu and not self.sampler.use_gpu:
            self.sampler.to_gpu(backend.get_device_of(self.W.array).id)
        elif not on_gpu and self.sampler.use_gpu:
            self.sampler.to_cpu()

    def forward(self, x, t, reduce="sum", *, return_samples=False):
        """Loss for inputs ``x`` ``(batch, in_size)`` and labels ``t`` ``(batch,)``.

        Args:
            x (Variable or ndarray): Inputs.
            t (Variable or ndarray): Integer labels (``-1``: ignored).
            reduce (str): ``'sum'`` or ``'no'``.
            return_samples (bool): Also return the ids used (labels first).

        Returns:
            Variable, or ``(Variable, ndarray)`` with ``return_samples``.
        """
        self._sync_sampler()
        return _ns.negative_sampling(x, t, self.W, self.sampler.sample, self.sample_size,
                                     reduce=reduce, return_samples=return_samples)

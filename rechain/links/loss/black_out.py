"""BlackOut: the output layer of a language model trained by BlackOut (Ji et al., 2016)."""

import numpy

from rechain import backend
from rechain import variable as _variable
from rechain.functions.loss.black_out import black_out as _black_out
from rechain.links import link as _link
from rechain.utils.walker_alias import WalkerAlias


class BlackOut(_link.Link):
    """BlackOut loss with a learned output embedding ``W``.

    Negatives are drawn in proportion to ``counts`` by a
    :class:`rechain.utils.WalkerAlias` sampler from the framework random stream,
    so ``rechain.random.seed`` makes training reproducible and ``F.forget``
    replays the same negatives. As in Chainer, ``W`` starts as NaN: set it
    (or load it) before training.

    Args:
        in_size (int): Dimension of the inputs.
        counts (sequence of int or float): Frequency of each word; the
            vocabulary size is ``len(counts)``.
        sample_size (int): Number of negatives per example.

    Attributes:
        W (Parameter): ``(len(counts), in_size)``.
        sampler (WalkerAlias): The negative sampler.
        sample_data (ndarray or None): Negatives to use instead of drawing
            (``(batch, sample_size)``), as Chainer's attribute of that name.

    Example:
        >>> bo = L.BlackOut(4, [5, 3, 2], sample_size=2)
        >>> bo.W.array[...] = 0.1
        >>> bo(numpy.ones((2, 4), numpy.float32), numpy.array([0, 2], numpy.int32)).shape
        ()
    """

    sample_data = None

    def __init__(self, in_size, counts, sample_size):
        super().__init__()
        p = numpy.asarray(counts, dtype=numpy.float64)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f"BlackOut: counts must be a non-empty 1-d sequence, got shape "
                             f"{p.shape}")
        if not isinstance(sample_size, (int, numpy.integer)) or sample_size < 1:
            raise ValueError(f"BlackOut: sample_size must be a positive int, got "
                             f"{sample_size!r}")
        self.sampler = WalkerAlias(p)
        self.sample_size = int(sample_size)
        with self.init_scope():
            self.W = _variable.Parameter(shape=(p.size, in_size))

    def _sync_sampler(self):
        on_gpu = not isinstance(self.W.array, numpy.ndarray)
        if on_gpu and not self.sampler.use_gpu:
            self.sampler.to_gpu(backend.get_device_of(self.W.array).id)
        elif not on_gpu and self.sampler.use_gpu:
            self.sampler.to_cpu()

    def forward(self, x, t):
        """The batch mean of the BlackOut loss of inputs ``x`` ``(B, in_size)``, labels ``t``."""
        if self.sample_data is not None:
            samples = self.sample_data
        else:
            self._sync_sampler()
            samples = self.sampler.sample((x.shape[0], self.sample_size))
        return _black_out(x, t, self.W, samples)

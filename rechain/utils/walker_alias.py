"""WalkerAlias: O(1) sampling from a fixed discrete distribution (Walker's alias method)."""

import numpy

from rechain import backend
from rechain import random as _random


class WalkerAlias:
    """Draws indices ``i`` with probability ``probs[i] / sum(probs)`` in O(1) each.

    The table splits the unit interval of every bucket ``i`` at
    ``threshold[i]``: a uniform draw below it returns ``values[2 * i]`` (which is
    ``i``), above it the bucket's alias ``values[2 * i + 1]``. It is built once
    with Vose's algorithm.

    Random numbers come from the framework stream (:mod:`rechain.random`), not
    from NumPy's global state: ``rechain.random.seed(s)`` makes the draws
    reproducible, and ``F.forget`` replays a forward pass that samples with the
    same indices. (Chainer drew from ``numpy.random`` / ``cupy.random``.)

    Args:
        probs (sequence of float): Non-negative weights, not all zero; they
            are normalised by their sum.

    Example:
        >>> sampler = rechain.utils.WalkerAlias([0.1, 0.0, 0.9])
        >>> sampler.sample((2, 3)).shape
        (2, 3)
    """

    def __init__(self, probs):
        p = numpy.asarray(probs, dtype=numpy.float64)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f"WalkerAlias: probs must be a non-empty 1-d sequence, got shape "
                             f"{p.shape}")
        bad = ~numpy.isfinite(p) | (p < 0)
        if bad.any():
            i = int(numpy.argmax(bad))
            raise ValueError(f"WalkerAlias: probs must be finite and non-negative, got "
                             f"probs[{i}] = {p[i]}")
        total = p.sum()
        if total <= 0:
            raise ValueError("WalkerAlias: probs must not all be zero")
        n = p.size
        scaled = p * (n / total)
        threshold = numpy.ones(n, dtype=numpy.float64)
        values = numpy.repeat(numpy.arange(n, dtype=numpy.int32), 2)
        small = [i for i in range(n) if scaled[i] < 1.0]
        large = [i for i in range(n) if scaled[i] >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            threshold[s] = scaled[s]
            values[2 * s + 1] = g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        # Whatever is left holds (up to rounding) exactly one bucket: keep it whole.
        self.threshold = threshold
        self.values = values

    def __len__(self):
        return int(self.threshold.shape[0])

    @property
    def device(self):
        """The device of the table (``CpuDevice`` or a ``GpuDevice``)."""
        return backend.get_device_from_array(self.threshold)

    @property
    def use_gpu(self):
        """Whether the table lives on a GPU (draws are then CuPy arrays)."""
        return not isinstance(self.threshold, numpy.ndarray)

    def to_cpu(self):
        """Move the table to the host; returns self."""
        self.threshold = backend.to_cpu(self.threshold)
        self.values = backend.to_cpu(self.values)
        return self

    def to_gpu(self, device=None):
        """Move the table to a GPU; returns self."""
        self.threshold = backend.to_gpu(self.threshold, device)
        self.values = backend.to_gpu(self.values, device)
        return self

    def sample(self, shape):
        """Draw an ``int32`` array of indices of the given shape.

        Args:
            shape (int or tuple of ints): Shape of the result.

        Returns:
            ndarray: NumPy or CuPy, where the table lives.
        """
        xp = backend.get_array_module(self.threshold)
        n = len(self)
        u = _random.get_generator(xp).random(shape) * n
        index = xp.minimum(u.astype(numpy.int32), n - 1)
        right = self.threshold[index] < (u - index)
        return self.values[index * 2 + right.astype(numpy.int32)]

    def __call__(self, shape):
        return self.sample(shape)

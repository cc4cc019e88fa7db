"""Order samplers: callables that choose the visiting order of each epoch."""

import numpy

from rechain import random as _random


class _FrameworkStream:
    """Permutations drawn from the framework stream (``rechain.random``).

    The source of shuffles when the caller gives no seed: as with Chainer,
    whose default draws from NumPy's global generator, ``numpy.random.seed``
    makes the orders reproducible (the stream follows NumPy's seed until
    ``rechain.random.seed`` is called, which then controls them).
    """

    def permutation(self, n):
        return _random.get_generator(numpy).permutation(n)


def _default_generator():
    """The source used when the caller gives no seed: the framework stream."""
    return _FrameworkStream()


def _as_generator(random_state, where):
    """Turn None, an int seed, a ``Generator`` or a ``RandomState`` into a source."""
    if random_state is None:
        return _default_generator()
    if isinstance(random_state, (numpy.random.Generator, numpy.random.RandomState)):
        return random_state
    if isinstance(random_state, (int, numpy.integer)) and not isinstance(random_state, bool):
        return numpy.random.default_rng(int(random_state))
    raise TypeError(
        f"{where}: random_state must be None, an int seed, a numpy.random.Generator or a "
        f"numpy.random.RandomState, not {type(random_state).__name__}"
    )


class OrderSampler:
    """Base class of the callables that choose the order of the next epoch.

    An order sampler is called as ``sampler(current_order, current_position)``
    and returns a 1-D integer array, a permutation of the dataset indices, of
    the same length as ``current_order``. The iterators call it once on
    ``reset`` and once at the end of every epoch.
    """

    def __call__(self, current_order, current_position):
        """Return the order of the next epoch.

        Args:
            current_order (numpy.ndarray): The order of the epoch that ends.
            current_position (int): Where the iterator stood in that order
                when the batch that ended the epoch began.

        Returns:
            numpy.ndarray: The new order.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement __call__")


class ShuffleOrderSampler(OrderSampler):
    """An order sampler that draws a fresh uniform permutation every epoch.

    Args:
        random_state (int, numpy.random.Generator or numpy.random.RandomState,
            optional): Source of the permutations. An int seeds a new
            ``Generator``, so two samplers with the same seed give the same
            orders; None draws from the framework stream (``rechain.random``), which
            follows ``numpy.random.seed`` as Chainer's default does.

    Example:
        >>> sampler = ShuffleOrderSampler(0)
        >>> sorted(sampler(numpy.arange(4), 0).tolist())
        [0, 1, 2, 3]
    """

    def __init__(self, random_state=None):
        self._random = _as_generator(random_state, "ShuffleOrderSampler")

    def __call__(self, current_order, current_position):
        return self._random.permutation(len(current_order))

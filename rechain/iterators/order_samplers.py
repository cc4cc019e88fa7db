"""Order samplers: callables that choose the visiting order of each epoch."""

import json

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

    def serialize(self, serializer):
        """Save or load the generator's state, so that a resumed iterator draws
        the orders the uninterrupted one would (``random_state`` given as a seed
        or a generator; the framework stream is process-wide and not saved).

        The state is JSON in a fixed-size uint8 array (``generator_state``);
        a snapshot without it (Chainer's, or an older one) leaves the
        generator as it is.
        """
        rng = self._random
        if isinstance(rng, numpy.random.Generator):
            state = rng.bit_generator.state
        elif isinstance(rng, numpy.random.RandomState):
            name, keys, pos, has_gauss, cached = rng.get_state()
            state = {"mt19937": [name, keys.tolist(), pos, has_gauss, cached]}
        else:
            return
        text = json.dumps(state, default=int).encode()
        if len(text) > _STATE_BYTES:
            raise ValueError(f"ShuffleOrderSampler.serialize: the generator state takes "
                             f"{len(text)} bytes, more than {_STATE_BYTES}")
        buf = numpy.zeros(_STATE_BYTES, numpy.uint8)
        buf[:len(text)] = numpy.frombuffer(text, numpy.uint8)
        try:
            loaded = serializer("generator_state", buf)
        except KeyError:
            return
        if loaded is None:
            return
        loaded = numpy.asarray(loaded, numpy.uint8)
        state = json.loads(bytes(loaded[loaded != 0]).decode())
        if isinstance(rng, numpy.random.Generator):
            rng.bit_generator.state = state
        else:
            name, keys, pos, has_gauss, cached = state["mt19937"]
            rng.set_state((name, numpy.asarray(keys, numpy.uint32), pos, has_gauss, cached))


#: Bytes reserved for a generator state in a snapshot (MT19937's JSON is ~7 KB).
_STATE_BYTES = 8192

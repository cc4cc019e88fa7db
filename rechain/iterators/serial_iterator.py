"""An iterator that walks a dataset in minibatches, in order or shuffled.

See :mod:`rechain.iterators._statemachine` for how epochs are counted.
"""

from rechain.iterators import _statemachine
from rechain.iterators.order_samplers import OrderSampler  # NOQA  (old import path)
from rechain.iterators.order_samplers import ShuffleOrderSampler  # NOQA  (old import path)


class SerialIterator(_statemachine._StatefulIterator):
    """Iterate over a dataset in minibatches (lists of examples).

    Args:
        dataset: Any object with ``__len__`` and integer ``__getitem__``.
        batch_size (int): Number of examples per batch, at least 1.
        repeat (bool): If True, iterate forever, epoch after epoch; if False,
            stop after one pass (the last batch may be shorter).
        shuffle (bool, optional): Whether to visit the examples in a fresh
            random order each epoch. None (the default) means shuffling unless
            ``order_sampler`` is given. Giving both ``shuffle`` and
            ``order_sampler`` is an error.
        order_sampler (callable, optional): Chooses each epoch's order; see
            :class:`~rechain.iterators.OrderSampler`.
        seed (int, numpy.random.Generator or numpy.random.RandomState,
            optional): Source of the built-in shuffling, for reproducible
            orders. Only meaningful when shuffling without a custom sampler.

    Raises:
        ValueError: If ``batch_size`` is not positive, the dataset is empty,
            or the shuffling arguments conflict.

    Example:
        >>> it = SerialIterator(list(range(5)), 2, repeat=False, shuffle=False)
        >>> [batch for batch in it]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None, order_sampler=None,
                 seed=None):
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler, seed)
        self.reset()

    def __next__(self):
        indices, state = self._plan(self._state)
        if indices is None:
            raise StopIteration
        batch = [self.dataset[i] for i in indices]
        self._commit(state)
        return batch

    next = __next__

    def finalize(self):
        """Release resources; a serial iterator holds none."""

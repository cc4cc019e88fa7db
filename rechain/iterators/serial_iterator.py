"""An iterator that walks a dataset in minibatches, in order or shuffled.

Epoch accounting follows Chainer: an epoch ends with the batch that reaches
the last example. When repeating, that batch is topped up from the start of
the next epoch (reshuffled first), so every batch has ``batch_size`` examples;
when not repeating, the last batch is simply shorter and the next call raises
``StopIteration``.
"""

import numpy


def _default_generator():
    """The generator used when the caller gives no seed.

    This is the one place to change to draw from the framework's stream.
    """
    return numpy.random.default_rng()


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
    the same length as ``current_order``. :class:`SerialIterator` calls it once
    on :meth:`~SerialIterator.reset` and once at the end of every epoch.
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
            orders; None draws from a fresh unseeded generator.

    Example:
        >>> sampler = ShuffleOrderSampler(0)
        >>> sorted(sampler(numpy.arange(4), 0).tolist())
        [0, 1, 2, 3]
    """

    def __init__(self, random_state=None):
        self._random = _as_generator(random_state, "ShuffleOrderSampler")

    def __call__(self, current_order, current_position):
        return self._random.permutation(len(current_order))


class SerialIterator:
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
            :class:`OrderSampler`.
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
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer)):
            raise TypeError(
                f"SerialIterator: batch_size must be an integer, not {type(batch_size).__name__}"
            )
        if batch_size <= 0:
            raise ValueError(f"SerialIterator: batch_size must be positive, got {batch_size}")
        if len(dataset) == 0:
            raise ValueError("SerialIterator: the dataset is empty (it has 0 examples)")
        if shuffle is not None and order_sampler is not None:
            raise ValueError(
                "SerialIterator: shuffle is set and a custom order_sampler is given; leave "
                "shuffle as None to use the order_sampler"
            )
        if order_sampler is None and (shuffle is None or shuffle):
            order_sampler = ShuffleOrderSampler(seed)
        elif seed is not None:
            raise ValueError(
                "SerialIterator: seed only applies to the built-in shuffling, but "
                + ("shuffle=False" if order_sampler is None else "a custom order_sampler")
                + " is given"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self._repeat = repeat
        self._shuffle = shuffle
        self.order_sampler = order_sampler
        self.reset()

    # -- iteration -----------------------------------------------------------

    def __iter__(self):
        return self

    def __next__(self):
        if not self._repeat and self._epoch > 0:
            raise StopIteration
        self._previous_epoch_detail = self.epoch_detail

        order = self._order
        n = self._epoch_size
        if n == 0:
            raise ValueError("SerialIterator: the dataset became empty")
        position = self._current_position
        epoch = self._epoch
        is_new_epoch = False
        indices = []
        remaining = self.batch_size
        while remaining > 0:
            start = position
            stop = min(position + remaining, n)
            if order is None:
                indices.extend(range(start, stop))
            else:
                indices.extend(int(i) for i in order[start:stop])
            remaining -= stop - start
            position = stop
            if position < n:
                break
            # This batch reached the last example: the epoch is over.
            epoch += 1
            is_new_epoch = True
            position = 0
            if not self._repeat:
                break
            if order is not None:
                order = self._draw_order(order, start)

        self._current_position = position
        self._epoch = epoch
        self._is_new_epoch = is_new_epoch
        self._order = order
        return [self.dataset[i] for i in indices]

    next = __next__

    def _draw_order(self, current_order, current_position):
        new_order = self.order_sampler(current_order, current_position)
        new_order = numpy.asarray(new_order)
        if new_order.shape != (len(current_order),):
            raise ValueError(
                f"SerialIterator: the order sampler returned an order of shape "
                f"{new_order.shape}, expected ({len(current_order)},) like the previous order"
            )
        return new_order

    def reset(self):
        """Go back to the start of epoch 0, drawing a fresh order if shuffling."""
        if self.order_sampler is not None:
            n = len(self.dataset)
            self._order = self._draw_order(numpy.arange(n), 0)
        else:
            self._order = None
        self._current_position = 0
        self._epoch = 0
        self._is_new_epoch = False
        self._previous_epoch_detail = -1.0

    def finalize(self):
        """Release resources; a serial iterator holds none."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.finalize()

    # -- progress --------------------------------------------------------------

    @property
    def _epoch_size(self):
        return len(self.dataset) if self._order is None else len(self._order)

    @property
    def repeat(self):
        """bool: Whether the iterator runs over the dataset repeatedly."""
        return self._repeat

    @property
    def current_position(self):
        """int: Position in the current epoch's order of the next example."""
        return self._current_position

    @property
    def epoch(self):
        """int: Number of completed epochs."""
        return self._epoch

    @property
    def is_new_epoch(self):
        """bool: Whether the last batch returned ended an epoch."""
        return self._is_new_epoch

    @property
    def epoch_detail(self):
        """float: Epochs done so far, counting the current one fractionally."""
        return self._epoch + self._current_position / self._epoch_size

    @property
    def previous_epoch_detail(self):
        """float or None: :attr:`epoch_detail` before the last batch (None
        before the first batch)."""
        if self._previous_epoch_detail < 0:
            return None
        return self._previous_epoch_detail

    # -- snapshots ---------------------------------------------------------------

    def serialize(self, serializer):
        """Save or load the iteration state through a Chainer-style serializer.

        The serializer is called as ``serializer(name, value)`` for
        ``current_position``, ``epoch``, ``is_new_epoch``, ``order`` (only when
        shuffling) and ``previous_epoch_detail``; a saving serializer records
        the values, a loading one returns the stored values (arrays may be
        filled in place). Snapshots lacking ``previous_epoch_detail`` (older
        Chainer versions) get an estimate of it instead.

        Args:
            serializer: A callable ``serializer(name, value) -> value``.
        """
        current_position = serializer("current_position", self._current_position)
        epoch = serializer("epoch", self._epoch)
        is_new_epoch = serializer("is_new_epoch", self._is_new_epoch)
        if current_position is not None:
            self._current_position = int(current_position)
        if epoch is not None:
            self._epoch = int(epoch)
        if is_new_epoch is not None:
            self._is_new_epoch = bool(is_new_epoch)
        if self._order is not None:
            try:
                order = serializer("order", self._order)
            except KeyError:
                order = serializer("_order", self._order)
            if order is not None:
                order = numpy.asarray(order)
                if order.shape != self._order.shape:
                    raise ValueError(
                        f"SerialIterator.serialize: the stored order has shape {order.shape}, "
                        f"but the dataset needs ({len(self._order)},)"
                    )
                self._order = order
        try:
            previous = serializer("previous_epoch_detail", self._previous_epoch_detail)
        except KeyError:
            previous = self._epoch + (self._current_position - self.batch_size) / self._epoch_size
            if self.epoch_detail > 0:
                previous = max(previous, 0.0)
            else:
                previous = -1.0
        if previous is not None:
            self._previous_epoch_detail = float(previous)

    def __repr__(self):
        return (f"SerialIterator(batch_size={self.batch_size}, repeat={self._repeat}, "
                f"epoch={self._epoch}, current_position={self._current_position})")

"""Epoch bookkeeping shared by every rechain iterator.

Epoch accounting follows Chainer: an epoch ends with the batch that reaches
the last example. When repeating, that batch is topped up from the start of
the next epoch (in the next epoch's order), so every batch has
``batch_size`` examples; when not repeating, the last batch is simply shorter
and the next call raises ``StopIteration``.

Which examples a batch holds is decided by one pure step,
:meth:`_StatefulIterator._plan`, from a state ``(position, epoch, order)``.
The serial, thread and process iterators all take that step, so for the same
order sampler they hand out the same batches in the same order; the parallel
ones merely take it ahead of time to prefetch.
"""

import collections

import numpy

from rechain.dataset import iterator
from rechain.iterators import order_samplers

#: The progress of an iterator after a batch: where the next batch starts,
#: completed epochs, whether that batch ended an epoch, and the current order.
State = collections.namedtuple("State", ("current_position", "epoch", "is_new_epoch", "order"))


def _check_batch_size(batch_size, where):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, numpy.integer)):
        raise TypeError(f"{where}: batch_size must be an integer, not {type(batch_size).__name__}")
    if batch_size <= 0:
        raise ValueError(f"{where}: batch_size must be positive, got {batch_size}")
    return int(batch_size)


def _resolve_sampler(shuffle, order_sampler, seed, where):
    if shuffle is not None and order_sampler is not None:
        raise ValueError(
            f"{where}: shuffle is set and a custom order_sampler is given; leave "
            f"shuffle as None to use the order_sampler"
        )
    if order_sampler is None and (shuffle is None or shuffle):
        return order_samplers.ShuffleOrderSampler(seed)
    if seed is not None:
        raise ValueError(
            f"{where}: seed only applies to the built-in shuffling, but "
            + ("shuffle=False" if order_sampler is None else "a custom order_sampler")
            + " is given"
        )
    return order_sampler


class _StatefulIterator(iterator.Iterator):
    """Arguments, progress, ``reset`` and ``serialize`` of the rechain iterators.

    Subclasses fetch examples; this class decides which.
    """

    def __init__(self, dataset, batch_size, repeat, shuffle, order_sampler, seed):
        where = type(self).__name__
        self.batch_size = _check_batch_size(batch_size, where)
        if len(dataset) == 0:
            raise ValueError(f"{where}: the dataset is empty (it has 0 examples)")
        self.order_sampler = _resolve_sampler(shuffle, order_sampler, seed, where)
        self.dataset = dataset
        self._repeat = bool(repeat)
        self._shuffle = shuffle
        self._order = None
        self._current_position = 0
        self._epoch = 0
        self._is_new_epoch = False
        self._previous_epoch_detail = -1.0

    # -- the step ----------------------------------------------------------------

    def _draw_order(self, current_order, current_position):
        new_order = numpy.asarray(self.order_sampler(current_order, current_position))
        if new_order.shape != (len(current_order),):
            raise ValueError(
                f"{type(self).__name__}: the order sampler returned an order of shape "
                f"{new_order.shape}, expected ({len(current_order)},) like the previous order"
            )
        return new_order

    def _plan(self, state):
        """Return ``(indices, state_after)`` of the batch that follows ``state``.

        ``indices`` is None when a non-repeating iterator is exhausted. Only
        the order sampler is called; nothing of ``self`` changes.
        """
        position, epoch, _, order = state
        if not self._repeat and epoch > 0:
            return None, state
        n = len(self.dataset) if order is None else len(order)
        if n == 0:
            raise ValueError(f"{type(self).__name__}: the dataset became empty")
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
        return indices, State(position, epoch, is_new_epoch, order)

    @property
    def _state(self):
        return State(self._current_position, self._epoch, self._is_new_epoch, self._order)

    def _commit(self, state):
        """Make ``state`` current: the batch planned up to it was handed out."""
        self._previous_epoch_detail = self.epoch_detail
        self._current_position, self._epoch, self._is_new_epoch, self._order = state

    def _state_changed(self):
        """Hook: the state was set from outside (reset or a loaded snapshot)."""

    def reset(self):
        """Go back to the start of epoch 0, drawing a fresh order if shuffling."""
        if self.order_sampler is not None:
            self._order = self._draw_order(numpy.arange(len(self.dataset)), 0)
        else:
            self._order = None
        self._current_position = 0
        self._epoch = 0
        self._is_new_epoch = False
        self._previous_epoch_detail = -1.0
        self._state_changed()

    # -- progress ------------------------------------------------------------------

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

    # -- snapshots -------------------------------------------------------------------

    def serialize(self, serializer):
        """Save or load the iteration state through a Chainer-style serializer.

        The serializer is called as ``serializer(name, value)`` for
        ``current_position``, ``epoch``, ``is_new_epoch``, ``order`` (only when
        shuffling; ``_order``, the name Chainer's MultithreadIterator uses, is
        read when ``order`` is missing) and ``previous_epoch_detail``; a
        saving serializer records the values, a loading one returns the
        stored values (arrays may be filled in place). Snapshots lacking
        ``previous_epoch_detail`` (older Chainer versions) get an estimate of
        it instead. The serial, thread and process iterators write the same
        snapshot, so each can resume from another's.

        Args:
            serializer: A callable ``serializer(name, value) -> value``.
        """
        where = f"{type(self).__name__}.serialize"
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
            current = self._order.copy()
            try:
                order = serializer("order", current)
            except KeyError:
                order = serializer("_order", current)
            if order is not None:
                order = numpy.asarray(order)
                if order.shape != self._order.shape:
                    raise ValueError(
                        f"{where}: the stored order has shape {order.shape}, "
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
        sampler_serialize = getattr(self.order_sampler, "serialize", None)
        if sampler_serialize is not None:
            sampler_serialize(_Scoped(serializer, "order_sampler/"))
        self._state_changed()

    def __repr__(self):
        return (f"{type(self).__name__}(batch_size={self.batch_size}, repeat={self._repeat}, "
                f"epoch={self._epoch}, current_position={self._current_position})")


class _Scoped:
    """``serializer(name, value)`` under a name prefix (plain callables and
    rechain's serializers alike)."""

    def __init__(self, serializer, prefix):
        self.serializer = serializer
        self.prefix = prefix

    def __call__(self, name, value):
        return self.serializer(self.prefix + name, value)


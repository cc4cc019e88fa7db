"""Shared machinery of the iterators that load examples in parallel.

The main thread plans batches with the same step as
:class:`~rechain.iterators.SerialIterator` (so the batches and their order
are the same), a few batches ahead, and hands each planned batch to a
``concurrent.futures`` executor as up to ``n_workers`` chunks of indices. A
batch is returned once all its chunks are done, in the planned order.

Planning ahead means the order sampler may be asked for the next epoch's
order a few batches early. While iterating this changes nothing; but after
``reset()`` or loading a snapshot, a stateful sampler (a seeded shuffle) may
already have moved on, so later epochs can be ordered differently from a
:class:`~rechain.iterators.SerialIterator` reset at the same point (Chainer's
prefetching iterators behave the same way).

A failing example does not hang anything: the worker catches the error and
returns it with the index of the example, and the main thread raises it,
with the same exception type and message plus the index. The iterator's
state then stays at the batch that failed.
"""

import collections
import concurrent.futures
import pickle
import traceback
import warnings

import numpy

from rechain.iterators import _statemachine


class _Failure:
    """What a worker returns when ``dataset[index]`` raised."""

    def __init__(self, index, error, pass_object):
        self.index = index
        self.type_name = type(error).__name__
        self.message = str(error)
        self.traceback = "".join(traceback.format_exception(type(error), error,
                                                            error.__traceback__))
        self.error = error if pass_object else None
        error_type = type(error)
        try:  # only a type the main process can import travels back
            pickle.loads(pickle.dumps(error_type))
        except Exception:
            error_type = None
        self.error_type = error_type


def _load(dataset, indices, pass_object):
    """Fetch ``dataset[i]`` for every ``i``; a :class:`_Failure` on the first error."""
    out = []
    for i in indices:
        try:
            out.append(dataset[i])
        except Exception as e:  # reported to the main thread, never swallowed
            return _Failure(i, e, pass_object)
    return out


class WorkerTraceback(Exception):
    """The traceback of an error raised in a worker, as text (its ``__cause__``)."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text

    def __str__(self):
        return "\n\n" + self.text


def _raise_failure(failure, where, worker_kind):
    message = (f"{where}: loading example {failure.index} of the dataset failed in a "
               f"worker {worker_kind}: {failure.type_name}: {failure.message}")
    cause = failure.error if failure.error is not None else WorkerTraceback(failure.traceback)
    error = None
    if failure.error_type is not None:
        try:
            error = failure.error_type(message)
        except Exception:
            error = None
    if error is None or str(error) != message and not isinstance(error, KeyError):
        error = RuntimeError(message)
    error.index = failure.index
    raise error from cause


class _PrefetchingIterator(_statemachine._StatefulIterator):
    """Plans batches ahead and collects them from an executor in order."""

    _worker_kind = "thread"
    _executor = None
    _finalized = False

    def __init__(self, dataset, batch_size, repeat, shuffle, order_sampler, seed, n_workers,
                 n_prefetch, dataset_timeout):
        where = type(self).__name__
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler, seed)
        self._n_workers = n_workers
        self._n_prefetch = n_prefetch
        if dataset_timeout is not None and not dataset_timeout > 0:
            raise ValueError(
                f"{where}: dataset_timeout must be positive seconds or None, got "
                f"{dataset_timeout!r}"
            )
        self.dataset_timeout = dataset_timeout
        self._pending = collections.deque()
        self._ahead = None
        self.reset()

    # -- what subclasses provide --------------------------------------------------------

    def _make_executor(self):
        raise NotImplementedError

    def _submit(self, executor, chunk):
        raise NotImplementedError

    def _on_broken(self, error):
        raise error

    # -- the queue --------------------------------------------------------------------

    def _state_changed(self):
        self._discard()
        self._ahead = self._state

    def _discard(self):
        pending = getattr(self, "_pending", None)
        if pending:
            for _, futures in pending:
                for f in futures or ():
                    f.cancel()
            pending.clear()

    def _fill(self):
        """Plan and submit batches until ``1 + n_prefetch`` are under way."""
        while len(self._pending) < 1 + self._n_prefetch:
            if self._pending and self._pending[-1][1] is None:
                return  # the end of a non-repeating pass is planned
            indices, state = self._plan(self._ahead)
            if indices is None:
                self._pending.append((state, None))
                return
            if self._executor is None:
                self._executor = self._make_executor()
            chunks = [c.tolist() for c in
                      numpy.array_split(numpy.asarray(indices, dtype=numpy.intp),
                                        min(self._n_workers, len(indices)))]
            futures = [self._submit(self._executor, chunk) for chunk in chunks]
            self._pending.append((state, futures))
            self._ahead = state

    def __next__(self):
        where = type(self).__name__
        if self._finalized:
            raise RuntimeError(f"{where}: the iterator was finalized; make a new one")
        try:
            self._fill()
            state, futures = self._pending[0]
            batch = None if futures is None else self._collect(futures, where)
        except BaseException as e:
            # Nothing was handed out: drop the planned batches, keep the state.
            self._state_changed()
            if isinstance(e, concurrent.futures.BrokenExecutor):
                self._on_broken(e)
            raise
        if batch is None:
            raise StopIteration
        self._pending.popleft()
        self._commit(state)
        return batch

    next = __next__

    def _collect(self, futures, where):
        """Wait for the chunks of one batch and join them, raising a worker's error."""
        _, not_done = concurrent.futures.wait(futures, timeout=self.dataset_timeout)
        if not_done:
            warnings.warn(
                f"{where}: the batch is not ready after {self.dataset_timeout} s "
                f"(dataset_timeout); a dataset example may be stalled (still waiting)",
                TimeoutWarning, stacklevel=3)
            concurrent.futures.wait(not_done)
        batch = []
        for f in futures:
            part = f.result()
            if isinstance(part, _Failure):
                _raise_failure(part, where, self._worker_kind)
            batch.extend(part)
        return batch

    def finalize(self):
        """Stop the workers and drop prefetched batches; safe to call twice."""
        if self._finalized:
            return
        self._finalized = True
        self._discard()
        executor, self._executor = self._executor, None
        if executor is not None:
            self._shutdown(executor)

    def _shutdown(self, executor):
        executor.shutdown(wait=True, cancel_futures=True)


class TimeoutWarning(RuntimeWarning):
    """A batch took longer than ``dataset_timeout`` seconds to load."""

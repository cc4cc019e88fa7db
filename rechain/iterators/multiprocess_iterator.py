"""An iterator that loads the examples of each batch in worker processes."""

import concurrent.futures
import multiprocessing
import os

from rechain.iterators import _prefetch
from rechain.iterators.multithread_iterator import _check_count

#: Seconds finalize() waits for a worker to exit before terminating it.
_JOIN_TIMEOUT = 10.0

# The dataset, in a worker process (set once by the pool's initializer).
_worker_dataset = None


def _init_worker(dataset):
    global _worker_dataset
    _worker_dataset = dataset


def _fetch(indices):
    return _prefetch._load(_worker_dataset, indices, False)


def _report_pid(_):
    """A worker task that returns its process id (used by the tests)."""
    return os.getpid()


class MultiprocessIterator(_prefetch._PrefetchingIterator):
    """Iterate in minibatches, loading examples in worker processes.

    Gives the same batches in the same order as
    :class:`~rechain.iterators.SerialIterator` with the same order sampler
    (or seed), and writes the same snapshots. Batches are planned in the
    main process and loaded ``n_prefetch`` ahead by a
    :class:`concurrent.futures.ProcessPoolExecutor` whose workers receive the
    dataset once, when they start, and then only lists of indices; examples
    come back pickled.

    Processes start with :mod:`multiprocessing`'s default start method (see
    :func:`multiprocessing.set_start_method`). Under ``spawn`` or
    ``forkserver`` the dataset must be picklable and the main script
    guarded by ``if __name__ == '__main__':``.

    An exception raised by the dataset in a worker is raised by ``next()``
    with its type, its message and the index of the example (attribute
    ``index``); its ``__cause__`` holds the worker's traceback. A worker
    that dies (e.g. killed) makes ``next()`` raise ``RuntimeError`` instead of
    hanging. Call :meth:`finalize` (or use ``with``) to stop the workers.

    Args:
        dataset: Any object with ``__len__`` and integer ``__getitem__``.
        batch_size (int): Number of examples per batch.
        repeat (bool): Iterate forever (True) or stop after one pass.
        shuffle (bool, optional): Shuffle each epoch; None means shuffling
            unless ``order_sampler`` is given.
        n_processes (int, optional): Number of worker processes; the number
            of CPUs by default.
        n_prefetch (int): Number of batches loaded ahead of the one asked for.
        shared_mem (int, optional): Accepted for Chainer compatibility and
            checked (a positive number of bytes), but not needed: examples
            return through the executor's pipes, which have no per-example
            size limit to tune.
        order_sampler (callable, optional): Chooses each epoch's order.
        dataset_timeout (float, optional): After this many seconds waiting
            for one batch, :class:`MultiprocessIterator.TimeoutWarning` is
            issued (and the wait goes on); None disables the warning.
        maxtasksperchild (int, optional): Replace the workers to free what
            they hold: once the pool has loaded ``maxtasksperchild`` chunks
            per worker (a batch is split into one chunk per worker), later
            chunks go to a fresh pool and the old one exits when its work is
            done. (``concurrent.futures``' own ``max_tasks_per_child`` is not
            used: it can deadlock, CPython issue gh-115634.)
        seed (int or numpy.random.Generator, optional): Source of the
            built-in shuffling (a rechain extension, as in ``SerialIterator``).

    Example:
        >>> with MultiprocessIterator(list(range(5)), 2, repeat=False, shuffle=False,
        ...                           n_processes=2) as it:
        ...     print(list(it))
        [[0, 1], [2, 3], [4]]
    """

    TimeoutWarning = _prefetch.TimeoutWarning
    _worker_kind = "process"

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None, n_processes=None,
                 n_prefetch=1, shared_mem=None, order_sampler=None, dataset_timeout=30.0,
                 maxtasksperchild=None, seed=None):
        where = "MultiprocessIterator"
        if n_processes is None:
            n_processes = os.cpu_count() or 1
        self.n_processes = _check_count(n_processes, "n_processes", where)
        self.n_prefetch = _check_count(n_prefetch, "n_prefetch", where)
        if shared_mem is not None:
            _check_count(shared_mem, "shared_mem", where)
        self.shared_mem = shared_mem
        if maxtasksperchild is not None:
            _check_count(maxtasksperchild, "maxtasksperchild", where)
        self._maxtasksperchild = maxtasksperchild
        self._chunks_in_pool = 0
        self._retired = []
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler, seed,
                         n_workers=self.n_processes, n_prefetch=self.n_prefetch,
                         dataset_timeout=dataset_timeout)

    def _make_executor(self):
        self._chunks_in_pool = 0
        return concurrent.futures.ProcessPoolExecutor(
            self.n_processes, mp_context=multiprocessing.get_context(),
            initializer=_init_worker, initargs=(self.dataset,))

    def _submit(self, executor, chunk):
        limit = self._maxtasksperchild
        if limit is not None:
            if self._chunks_in_pool >= limit * self.n_processes:
                # Retire the pool: it finishes what it was given, then exits.
                self._retired.append(_handles(executor))
                executor.shutdown(wait=False)
                executor = self._executor = self._make_executor()
            self._chunks_in_pool += 1
        return executor.submit(_fetch, chunk)

    def finalize(self):
        """Stop the workers (of retired pools too) and drop prefetched batches."""
        super().finalize()
        retired, self._retired = getattr(self, "_retired", []), []
        for handles in retired:
            _stop(*handles)

    def _on_broken(self, error):
        executor, self._executor = self._executor, None
        if executor is not None:
            self._shutdown(executor)
        raise RuntimeError(
            "MultiprocessIterator: a worker process died while loading a batch (killed, out "
            "of memory, or crashed in native code); the batch is not handed out and the next "
            "call starts new workers"
        ) from error

    def _shutdown(self, executor):
        handles = _handles(executor)
        executor.shutdown(wait=False, cancel_futures=True)
        _stop(*handles)


def _handles(executor):
    """The worker processes and manager thread of a pool (shutdown forgets them)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    return processes, getattr(executor, "_executor_manager_thread", None)


def _stop(processes, manager_thread):
    """Wait for a shut-down pool's workers to exit; terminate one stuck in the dataset."""
    for process in processes:
        process.join(_JOIN_TIMEOUT)
        if process.is_alive():
            process.terminate()
            process.join()
    if manager_thread is not None:
        manager_thread.join(_JOIN_TIMEOUT)

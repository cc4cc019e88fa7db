"""An iterator that loads the examples of each batch with a pool of threads."""

import concurrent.futures

from rechain.iterators import _prefetch


def _check_count(value, name, where, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return value


class MultithreadIterator(_prefetch._PrefetchingIterator):
    """Iterate in minibatches, loading examples in worker threads.

    Gives the same batches in the same order as
    :class:`~rechain.iterators.SerialIterator` with the same order sampler
    (or seed), and writes the same snapshots. While the caller works on a
    batch, the next one is already being loaded. Threads suit datasets whose
    ``__getitem__`` waits on I/O or releases the GIL (NumPy, Pillow).

    Args:
        dataset: Any object with ``__len__`` and integer ``__getitem__``,
            safe to call from several threads at once.
        batch_size (int): Number of examples per batch.
        repeat (bool): Iterate forever (True) or stop after one pass.
        shuffle (bool, optional): Shuffle each epoch; None means shuffling
            unless ``order_sampler`` is given.
        n_threads (int): Number of worker threads.
        order_sampler (callable, optional): Chooses each epoch's order.
        seed (int or numpy.random.Generator, optional): Source of the
            built-in shuffling (a rechain extension, as in ``SerialIterator``).

    An exception raised by the dataset is raised by ``next()`` with its
    type, its message and the index of the example (attribute ``index``);
    the original exception is its ``__cause__``.

    Example:
        >>> with MultithreadIterator(list(range(5)), 2, repeat=False, shuffle=False,
        ...                          n_threads=2) as it:
        ...     print(list(it))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset, batch_size, repeat=True, shuffle=None, n_threads=1,
                 order_sampler=None, seed=None):
        self.n_threads = _check_count(n_threads, "n_threads", "MultithreadIterator")
        super().__init__(dataset, batch_size, repeat, shuffle, order_sampler, seed,
                         n_workers=self.n_threads, n_prefetch=1, dataset_timeout=None)

    def _make_executor(self):
        return concurrent.futures.ThreadPoolExecutor(
            self.n_threads, thread_name_prefix="rechain-MultithreadIterator")

    def _submit(self, executor, chunk):
        return executor.submit(_prefetch._load, self.dataset, chunk, True)

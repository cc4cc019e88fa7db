"""scatter_dataset: give each rank its part of a dataset.

Note [equal lengths]: with ``force_equal_length`` (the default, as in
ChainerMN) every rank gets ``ceil(n / size)`` examples, so every rank's
iterator has the same number of batches per epoch and the collective calls
of training and evaluation stay in step. Rank ``i``'s part starts at
``n * i // size``; when ``size`` does not divide ``n`` the parts overlap:
``size * ceil(n / size) - n`` (fewer than ``size``) extra copies in all, and
every example is on at least one rank. With ``force_equal_length=False`` the parts are
disjoint and cover the dataset exactly once, with lengths differing by at
most one (for an exact evaluation).
"""

import numpy

from rechain.datasets import sub_dataset


class DataSizeError(RuntimeError):
    """A dataset too large for the communication at hand."""


def scatter_dataset(dataset, comm, root=0, shuffle=False, seed=None,
                    max_buf_len=256 * 1024 * 1024, *, force_equal_length=True):
    """Split ``root``'s dataset into ``comm.size`` parts; return this rank's part.

    ``root``'s dataset (and the permutation when ``shuffle``) is broadcast
    as a pickle in chunks of ``max_buf_len`` bytes; the other ranks' ``dataset``
    argument is ignored (None is fine). Each rank gets a
    :class:`rechain.datasets.SubDataset` view (Note [equal lengths]).

    Args:
        dataset: Any dataset (list, array, TupleDataset, ...) on ``root``.
        comm: A communicator.
        root (int): The rank whose dataset is scattered.
        shuffle (bool): Permute the examples before splitting.
        seed (int): Seed of the permutation (``numpy.random.RandomState``);
            the same seed gives the same parts.
        max_buf_len (int): Largest chunk of the broadcast, at most 2**31 - 1.
        force_equal_length (bool): Equal lengths (default) or disjoint parts.

    Returns:
        SubDataset: This rank's part.
    """
    if not 0 <= root < comm.size:
        raise ValueError(f"scatter_dataset: root must be in [0, {comm.size}), got {root}")
    if not 0 < max_buf_len <= 2 ** 31 - 1:
        raise ValueError(f"scatter_dataset: max_buf_len must be in [1, 2**31-1], got "
                         f"{max_buf_len}")
    data = None
    if comm.rank == root:
        if dataset is None:
            raise ValueError(f"scatter_dataset: the dataset of the root rank {root} is None")
        order = numpy.random.RandomState(seed).permutation(len(dataset)) if shuffle else None
        data = (dataset, order)
    dataset, order = comm.bcast_obj(data, max_buf_len=max_buf_len, root=root)
    b, e = scatter_index(len(dataset), comm, root, force_equal_length=force_equal_length)
    return sub_dataset.SubDataset(dataset, b, e, order)


def scatter_index(n_total_samples, comm, root=0, *, force_equal_length=True):
    """This rank's ``(begin, end)`` of ``n_total_samples`` examples (Note [equal
    lengths]); only indices travel, so each rank can hold the dataset itself."""
    ranges = _ranges(n_total_samples, comm.size, force_equal_length) \
        if comm.rank == root else None
    ranges = comm.bcast_obj(ranges, root=root)
    return ranges[comm.rank]


def _ranges(n, size, force_equal_length):
    if n < 0 or size < 1:
        raise ValueError(f"scatter_index: needs n >= 0 and size >= 1, got {n}, {size}")
    if force_equal_length:
        length = -(-n // size)
        return [(n * i // size, n * i // size + length) for i in range(size)]
    out, b = [], 0
    for i in range(size):
        e = b + n // size + (1 if i < n % size else 0)
        out.append((b, e))
        b = e
    return out


def create_empty_dataset(dataset):
    """A dataset of ``len(dataset)`` empty examples ``()``, for the ranks of a
    model-parallel program whose inputs arrive by communication."""
    return [()] * len(dataset)


def get_n_iterations_for_one_epoch(dataset, local_batch_size, comm):
    """Iterations in one epoch of rank 0's part (ChainerMN's helper)."""
    n = -(-len(dataset) // local_batch_size) if comm.rank == 0 else None
    return comm.bcast_obj(n)


def get_epoch_trigger(n_epochs, dataset, local_batch_size, comm):
    """``(iterations, 'iteration')`` of ``n_epochs`` epochs (ChainerMN's helper)."""
    return n_epochs * get_n_iterations_for_one_epoch(dataset, local_batch_size, comm), \
        "iteration"

"""A dataset that zips several equally long datasets into tuples."""

import numpy  # NOQA  (the examples in the docstrings use it)

from rechain import backend
from rechain.dataset.dataset_mixin import _as_index_array  # NOQA
from rechain.dataset.dataset_mixin import _is_batch_index  # NOQA
from rechain.utils import text


def _gather(dataset, positions):
    """Return the examples of ``dataset`` at ``positions`` as a sequence."""
    if isinstance(dataset, backend.array_types):
        return dataset[positions]
    return [dataset[int(i)] for i in positions]


class TupleDataset:
    """Dataset of tuples built from several datasets of the same length.

    The ``i``-th example is ``(datasets[0][i], datasets[1][i], ...)``. Any
    object with ``__len__`` and ``__getitem__`` works as a component, most
    often a NumPy array of features and one of labels.

    Indexing follows Chainer: an integer gives one tuple; a slice, a list of
    integers, an integer array or a boolean mask gives a list of tuples.

    Args:
        *datasets: The component datasets, all of the same length.

    Raises:
        ValueError: If no dataset is given or the lengths differ.

    Example:
        >>> ds = TupleDataset(numpy.arange(3), numpy.array([10, 11, 12]))
        >>> ds[1]
        (np.int64(1), np.int64(11))
    """

    def __init__(self, *datasets):
        if not datasets:
            raise ValueError("TupleDataset: no datasets are given")
        lengths = [len(d) for d in datasets]
        for pos, n in enumerate(lengths[1:], start=1):
            if n != lengths[0]:
                raise ValueError(
                    f"TupleDataset: all datasets must have the same length, but the 1st dataset "
                    f"has {lengths[0]} examples and the {text.ordinal(pos + 1)} dataset has {n} "
                    f"(lengths: {lengths})"
                )
        self._datasets = datasets
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            n = len(range(*index.indices(self._length)))
            columns = [d[index] for d in self._datasets]
        elif _is_batch_index(index):
            positions = _as_index_array(index, self._length, "TupleDataset")
            n = len(positions)
            columns = [_gather(d, positions) for d in self._datasets]
        else:
            return tuple(d[index] for d in self._datasets)
        return [tuple(col[i] for col in columns) for i in range(n)]

    def __len__(self):
        return self._length

    def __iter__(self):
        for i in range(self._length):
            yield self[i]

    def __repr__(self):
        return f"TupleDataset(n_datasets={len(self._datasets)}, length={self._length})"

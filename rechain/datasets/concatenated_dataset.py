"""A dataset that chains several datasets one after another."""

import bisect

from rechain.dataset import dataset_mixin
from rechain.datasets.sub_dataset import _check_int


class ConcatenatedDataset(dataset_mixin.DatasetMixin):
    """The examples of several datasets, one dataset after the other.

    With datasets of 10 and 20 examples, examples 0-9 come from the first
    and 10-29 from the second. Negative indices count from the end. The
    lengths are read once, when the dataset is built.

    Args:
        *datasets: The datasets (each with ``__len__`` and ``__getitem__``).

    Example:
        >>> ds = ConcatenatedDataset([1, 2], [3, 4, 5])
        >>> len(ds), ds[2], ds[-1], ds[1:4]
        (5, 3, 5, [2, 3, 4])
    """

    def __init__(self, *datasets):
        self._datasets = datasets
        self._ends = []
        total = 0
        for d in datasets:
            total += len(d)
            self._ends.append(total)
        self._length = total

    def __len__(self):
        return self._length

    def get_example(self, i):
        """Return example ``i`` of the concatenation."""
        i = _check_int(i, "index", "ConcatenatedDataset")
        if not -self._length <= i < self._length:
            raise IndexError(
                f"ConcatenatedDataset: index {i} is out of range for a dataset of "
                f"{self._length} examples"
            )
        if i < 0:
            i += self._length
        k = bisect.bisect_right(self._ends, i)
        start = self._ends[k - 1] if k else 0
        return self._datasets[k][i - start]

    def __repr__(self):
        return f"ConcatenatedDataset(n_datasets={len(self._datasets)}, length={self._length})"

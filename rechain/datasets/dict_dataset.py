"""A dataset of dicts built from several equally long datasets."""

from rechain.dataset import dataset_mixin


class DictDataset:
    """Dataset whose examples are dicts, one entry per named dataset.

    ``DictDataset(x=xs, t=ts)[i]`` is ``{'x': xs[i], 't': ts[i]}``. A slice,
    a list of integers, an integer array or a boolean mask gives a list of
    such dicts (:func:`~rechain.dataset.concat_examples` turns a list of
    dicts into a dict of arrays).

    Args:
        **datasets: The datasets, all of the same length; the keywords are
            the keys of each example.

    Raises:
        ValueError: If no dataset is given or the lengths differ.

    Example:
        >>> ds = DictDataset(x=[1, 2, 3], t=[0, 1, 0])
        >>> ds[1]
        {'x': 2, 't': 1}
        >>> ds[:2]
        [{'x': 1, 't': 0}, {'x': 2, 't': 1}]
    """

    def __init__(self, **datasets):
        if not datasets:
            raise ValueError("DictDataset: no datasets are given")
        lengths = {key: len(d) for key, d in datasets.items()}
        first_key = next(iter(lengths))
        for key, n in lengths.items():
            if n != lengths[first_key]:
                raise ValueError(
                    f"DictDataset: all datasets must have the same length, but dataset "
                    f"{first_key!r} has {lengths[first_key]} examples and dataset {key!r} "
                    f"has {n} (lengths: {lengths})"
                )
        self._datasets = datasets
        self._length = lengths[first_key]

    def __getitem__(self, index):
        if isinstance(index, slice):
            positions = range(*index.indices(self._length))
        elif dataset_mixin._is_batch_index(index):
            positions = dataset_mixin._as_index_array(index, self._length, "DictDataset")
        else:
            return {key: d[index] for key, d in self._datasets.items()}
        if isinstance(index, slice):
            columns = {key: d[index] for key, d in self._datasets.items()}
            return [{key: col[k] for key, col in columns.items()} for k in range(len(positions))]
        return [{key: d[int(i)] for key, d in self._datasets.items()} for i in positions]

    def __len__(self):
        return self._length

    def __iter__(self):
        for i in range(self._length):
            yield self[i]

    def __repr__(self):
        return f"DictDataset(keys={list(self._datasets)}, length={self._length})"

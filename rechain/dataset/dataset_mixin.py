"""Indexing for datasets that only know how to fetch one example."""

import numpy

from rechain import backend


def _is_batch_index(index):
    """Whether ``index`` selects several examples (a list or a 1-D+ array)."""
    if isinstance(index, list):
        return True
    return isinstance(index, backend.array_types) and index.ndim > 0


def _as_index_array(index, length, where):
    """Turn a list or array of integers (or a boolean mask) into an intp array.

    Args:
        index: A list or array of integer positions, or a boolean mask of
            ``length`` entries.
        length: Number of examples of the dataset being indexed.
        where: Name of the caller, for error messages.

    Returns:
        numpy.ndarray: 1-D array of integer positions (possibly negative).
    """
    idx = numpy.asarray(backend.to_cpu(index) if not isinstance(index, list) else index)
    if idx.size == 0:
        return numpy.zeros((0,), dtype=numpy.intp)
    if idx.dtype == numpy.bool_:
        if idx.shape != (length,):
            raise IndexError(
                f"{where}: a boolean mask must have shape ({length},) to match the dataset, "
                f"got shape {idx.shape}"
            )
        return numpy.flatnonzero(idx)
    if not numpy.issubdtype(idx.dtype, numpy.integer):
        raise TypeError(f"{where}: indices must be integers, got an array of dtype {idx.dtype}")
    return idx.reshape(-1).astype(numpy.intp, copy=False)


class DatasetMixin:
    """Give a dataset with ``__len__`` and ``get_example`` full indexing.

    Subclasses implement ``__len__`` and ``get_example(i)`` (raising
    ``IndexError`` for a bad ``i``). ``dataset[i]`` then calls
    ``get_example(i)``; a slice, a list of integers, an integer array or a
    boolean mask gives a list of examples.

    Example:
        >>> class Squares(DatasetMixin):
        ...     def __len__(self):
        ...         return 5
        ...     def get_example(self, i):
        ...         return i * i
        >>> ds = Squares()
        >>> ds[3], ds[1:4], ds[[4, 0]]
        (9, [1, 4, 9], [16, 0])
    """

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.get_example(i) for i in range(*index.indices(len(self)))]
        if _is_batch_index(index):
            positions = _as_index_array(index, len(self), type(self).__name__)
            return [self.get_example(int(i)) for i in positions]
        if isinstance(index, backend.array_types):  # a 0-d array
            index = index.item()
        return self.get_example(index)

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def get_example(self, i):
        """Return example ``i``; subclasses implement it.

        Args:
            i (int): Index of the example.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement get_example")

    def __iter__(self):
        for i in range(len(self)):
            yield self.get_example(i)

"""Views of a contiguous part of a (possibly permuted) dataset, and splitters.

A :class:`SubDataset` never copies the base dataset: it maps its own indices
to positions of the base, optionally through a permutation ``order``. The
splitting helpers build pairs of such views.
"""

import numpy

from rechain import backend
from rechain.datasets import tuple_dataset


def _check_int(value, name, where):
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, (int, numpy.integer)):
        raise TypeError(f"{where}: {name} must be an integer, not {type(value).__name__}")
    return int(value)


class SubDataset:
    """A view of the examples ``start`` to ``finish`` of a dataset.

    Example ``i`` of the view is ``dataset[order[start + i]]``, or
    ``dataset[start + i]`` when ``order`` is None. Nothing is copied.

    Indexing follows Chainer's ``DatasetMixin``: an integer (negative counts
    from the end of the view) gives one example; a slice, a list of integers
    or an integer array gives a list of examples.

    Args:
        dataset: The base dataset (anything with ``__len__`` and
            ``__getitem__``).
        start (int): First position of the view in the (permuted) base.
        finish (int): One past the last position of the view.
        order (array-like of int, optional): A permutation of
            ``range(len(dataset))`` applied before taking the range. It must
            have exactly ``len(dataset)`` entries.

    Raises:
        TypeError: If ``start`` or ``finish`` is not an integer.
        ValueError: If the range does not fit in the dataset or ``order`` has
            the wrong length or shape.

    Example:
        >>> sub = SubDataset(numpy.arange(10) * 10, 2, 5)
        >>> [int(v) for v in sub]
        [20, 30, 40]
    """

    def __init__(self, dataset, start, finish, order=None):
        start = _check_int(start, "start", "SubDataset")
        finish = _check_int(finish, "finish", "SubDataset")
        n = len(dataset)
        if start < 0 or finish > n or start > finish:
            raise ValueError(
                f"SubDataset: the range [{start}, {finish}) overruns the base dataset of "
                f"{n} examples (need 0 <= start <= finish <= {n})"
            )
        if order is not None:
            order = numpy.asarray(backend.to_cpu(order) if not isinstance(order, list) else order)
            if order.ndim != 1 or order.shape[0] != n:
                raise ValueError(
                    f"SubDataset: order must be a 1-D array of {n} indices (the dataset size), "
                    f"got shape {order.shape}"
                )
            if order.size and not numpy.issubdtype(order.dtype, numpy.integer):
                raise TypeError(f"SubDataset: order must hold integers, got dtype {order.dtype}")
        self._dataset = dataset
        self._start = start
        self._finish = finish
        self._size = finish - start
        self._order = order

    def __len__(self):
        return self._size

    def get_example(self, i):
        """Return the ``i``-th example of the view.

        Args:
            i (int): Position in the view; negative values count from its end.

        Returns:
            The example of the base dataset at the mapped position.

        Raises:
            IndexError: If ``i`` is out of range.
        """
        i = _check_int(i, "index", "SubDataset")
        if i < -self._size or i >= self._size:
            raise IndexError(
                f"SubDataset: index {i} is out of range for a dataset of {self._size} examples"
            )
        position = self._start + i if i >= 0 else self._finish + i
        if self._order is not None:
            position = int(self._order[position])
        return self._dataset[position]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.get_example(i) for i in range(*index.indices(self._size))]
        if tuple_dataset._is_batch_index(index):
            positions = tuple_dataset._as_index_array(index, self._size, "SubDataset")
            return [self.get_example(int(i)) for i in positions]
        if isinstance(index, backend.array_types):  # a 0-d array
            index = index.item()
        return self.get_example(index)

    def __iter__(self):
        for i in range(self._size):
            yield self.get_example(i)

    def __repr__(self):
        shuffled = ", permuted" if self._order is not None else ""
        return f"SubDataset(start={self._start}, finish={self._finish}{shuffled})"


def split_dataset(dataset, first_size, order=None):
    """Split a dataset in two without copying it.

    Args:
        dataset: The dataset to split.
        first_size (int): Number of examples of the first part,
            ``0 <= first_size <= len(dataset)``.
        order (array-like of int, optional): A permutation of
            ``range(len(dataset))``; the split is taken along it.

    Returns:
        tuple: ``(first, second)`` :class:`SubDataset` views holding the first
        ``first_size`` examples and the rest.

    Raises:
        TypeError: If ``first_size`` is not an integer.
        ValueError: If ``first_size`` is negative or larger than the dataset,
            or ``order`` has the wrong length.

    Example:
        >>> train, val = split_dataset(numpy.arange(10), 8)
        >>> len(train), len(val)
        (8, 2)
    """
    first_size = _check_int(first_size, "first_size", "split_dataset")
    n = len(dataset)
    if first_size < 0:
        raise ValueError(f"split_dataset: first_size must be non-negative, got {first_size}")
    if first_size > n:
        raise ValueError(
            f"split_dataset: first_size ({first_size}) exceeds the size of the dataset ({n})"
        )
    return SubDataset(dataset, 0, first_size, order), SubDataset(dataset, first_size, n, order)


def _permutation(n, seed, where):
    """A random permutation of ``range(n)`` drawn from ``seed``.

    An int (or None) seeds a legacy ``numpy.random.RandomState``, whose stream
    NumPy keeps fixed across versions, so a seed gives the same split as
    Chainer's helpers. A ``Generator`` or ``RandomState`` is used as is.
    """
    if isinstance(seed, (numpy.random.Generator, numpy.random.RandomState)):
        return seed.permutation(n)
    if seed is not None:
        _check_int(seed, "seed", where)
    return numpy.random.RandomState(seed).permutation(n)


def split_dataset_random(dataset, first_size, seed=None):
    """Split a dataset in two at random, without copying it.

    Args:
        dataset: The dataset to split.
        first_size (int): Number of examples of the first part.
        seed (int, numpy.random.Generator or numpy.random.RandomState,
            optional): Source of the permutation; an int gives the same split
            on every run (and the same as Chainer for that seed).

    Returns:
        tuple: ``(first, second)`` :class:`SubDataset` views over one random
        permutation of the dataset.

    Raises:
        TypeError: If ``first_size`` or ``seed`` has the wrong type.
        ValueError: If ``first_size`` is negative or larger than the dataset.

    Example:
        >>> train, val = split_dataset_random(numpy.arange(10), 7, seed=0)
        >>> sorted(int(v) for v in list(train) + list(val)) == list(range(10))
        True
    """
    first_size = _check_int(first_size, "first_size", "split_dataset_random")
    order = _permutation(len(dataset), seed, "split_dataset_random")
    return split_dataset(dataset, first_size, order)


def get_cross_validation_datasets(dataset, n_folds, order=None):
    """Make ``n_folds`` (train, test) pairs for k-fold cross validation.

    The (optionally permuted) dataset is cut into ``n_folds`` blocks whose
    sizes differ by at most one. Each block is the test part of exactly one
    pair, whose train part is every other example. The first pair tests on the
    last block, the next on the block before it, and so on, as in Chainer.

    Args:
        dataset: The dataset to split.
        n_folds (int): Number of folds, ``1 <= n_folds <= len(dataset)``.
        order (array-like of int, optional): A permutation of
            ``range(len(dataset))`` applied first.

    Returns:
        list: ``n_folds`` tuples ``(train, test)`` of :class:`SubDataset`.

    Raises:
        TypeError: If ``n_folds`` is not an integer.
        ValueError: If ``n_folds`` is out of range or ``order`` is invalid.

    Example:
        >>> folds = get_cross_validation_datasets(numpy.arange(6), 3)
        >>> [len(test) for _, test in folds]
        [2, 2, 2]
    """
    n_folds = _check_int(n_folds, "n_folds", "get_cross_validation_datasets")
    n = len(dataset)
    if not 1 <= n_folds <= n:
        raise ValueError(
            f"get_cross_validation_datasets: n_folds must be in [1, {n}] for a dataset of "
            f"{n} examples, got {n_folds}"
        )
    if order is None:
        order = numpy.arange(n)
    else:
        order = numpy.array(backend.to_cpu(order) if not isinstance(order, list) else order)
        if order.ndim != 1 or order.shape[0] != n:
            raise ValueError(
                f"get_cross_validation_datasets: order must be a 1-D array of {n} indices, "
                f"got shape {order.shape}"
            )
    borders = [n * k // n_folds for k in range(n_folds + 1)]
    test_sizes = [borders[k + 1] - borders[k] for k in range(n_folds)]
    pairs = []
    for test_size in reversed(test_sizes):
        # The test block sits at the end of ``order``; rotating it to the
        # front then exposes the block before it for the next pair.
        pairs.append(split_dataset(dataset, n - test_size, order))
        order = numpy.roll(order, test_size)
    return pairs


def get_cross_validation_datasets_random(dataset, n_folds, seed=None):
    """Like :func:`get_cross_validation_datasets` over a random permutation.

    Args:
        dataset: The dataset to split.
        n_folds (int): Number of folds.
        seed (int, numpy.random.Generator or numpy.random.RandomState,
            optional): Source of the permutation.

    Returns:
        list: ``n_folds`` tuples ``(train, test)`` of :class:`SubDataset`.

    Example:
        >>> folds = get_cross_validation_datasets_random(numpy.arange(9), 3, seed=1)
        >>> sorted(int(v) for _, test in folds for v in test) == list(range(9))
        True
    """
    order = _permutation(len(dataset), seed, "get_cross_validation_datasets_random")
    return get_cross_validation_datasets(dataset, n_folds, order)

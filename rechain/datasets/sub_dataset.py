"""Views of a contiguous part of a (possibly permuted) dataset, and splitters.

A :class:`SubDataset` never copies the base dataset: it maps its own indices
to positions of the base, optionally through a permutation ``order``. The
splitting helpers build pairs of such views.
"""

import warnings

import numpy

from rechain import backend
from rechain.dataset import dataset_mixin


def _check_int(value, name, where):
    if isinstance(value, (bool, numpy.bool_)) or not isinstance(value, (int, numpy.integer)):
        raise TypeError(f"{where}: {name} must be an integer, not {type(value).__name__}")
    return int(value)


class SubDataset(dataset_mixin.DatasetMixin):
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

    def __repr__(self):
        shuffled = ", permuted" if self._order is not None else ""
        return f"SubDataset(start={self._start}, finish={self._finish}{shuffled})"


def _split(dataset, split_at, order, where, name):
    split_at = _check_int(split_at, name, where)
    n = len(dataset)
    if split_at < 0:
        raise ValueError(f"{where}: {name} must be non-negative, got {split_at}")
    if split_at > n:
        raise ValueError(
            f"{where}: {name} ({split_at}) exceeds the size of the dataset ({n})"
        )
    return SubDataset(dataset, 0, split_at, order), SubDataset(dataset, split_at, n, order)


def split_dataset(dataset, split_at, order=None):
    """Split a dataset in two without copying it.

    Args:
        dataset: The dataset to split.
        split_at (int): Where to cut: the first part holds the examples
            before this position, ``0 <= split_at <= len(dataset)``.
        order (array-like of int, optional): A permutation of
            ``range(len(dataset))``; the split is taken along it, so the
            parts hold ``order[:split_at]`` and ``order[split_at:]``.

    Returns:
        tuple: ``(first, second)`` :class:`SubDataset` views.

    Raises:
        TypeError: If ``split_at`` is not an integer.
        ValueError: If ``split_at`` is negative or larger than the dataset,
            or ``order`` has the wrong length.

    Example:
        >>> train, val = split_dataset(numpy.arange(10), 8)
        >>> len(train), len(val)
        (8, 2)
    """
    return _split(dataset, split_at, order, "split_dataset", "split_at")


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
    return _split(dataset, first_size, order, "split_dataset_random", "first_size")


def _split_n(dataset, n, order, where):
    n = _check_int(n, "n", where)
    size = len(dataset)
    if not 1 <= n <= size:
        raise ValueError(
            f"{where}: n must be in [1, {size}] for a dataset of {size} examples, got {n}"
        )
    sub = size // n
    return [SubDataset(dataset, sub * k, sub * (k + 1), order) for k in range(n)]


def split_dataset_n(dataset, n, order=None):
    """Split a dataset into ``n`` parts of equal size without copying it.

    Each part holds ``len(dataset) // n`` examples: part ``k`` holds
    positions ``k * s`` to ``(k + 1) * s`` (of ``order``, if given), and the
    last ``len(dataset) % n`` examples belong to no part, as in Chainer.

    Args:
        dataset: The dataset to split.
        n (int): Number of parts, ``1 <= n <= len(dataset)``.
        order (array-like of int, optional): A permutation of
            ``range(len(dataset))`` applied first.

    Returns:
        list: ``n`` :class:`SubDataset` views.

    Example:
        >>> [list(map(int, p)) for p in split_dataset_n(numpy.arange(7), 3)]
        [[0, 1], [2, 3], [4, 5]]
    """
    return _split_n(dataset, n, order, "split_dataset_n")


def split_dataset_n_random(dataset, n, seed=None):
    """Like :func:`split_dataset_n` over a random permutation.

    Args:
        dataset: The dataset to split.
        n (int): Number of parts.
        seed (int, numpy.random.Generator or numpy.random.RandomState,
            optional): Source of the permutation; an int gives the same parts
            as Chainer for that seed.

    Returns:
        list: ``n`` :class:`SubDataset` views of ``len(dataset) // n``
        examples each.
    """
    order = _permutation(len(dataset), seed, "split_dataset_n_random")
    return _split_n(dataset, n, order, "split_dataset_n_random")


def _n_folds_from(n_folds, kwargs, where):
    if "n_fold" in kwargs:
        warnings.warn(f"{where}: n_fold is deprecated, use n_folds", DeprecationWarning,
                      stacklevel=3)
        n_folds = kwargs.pop("n_fold")
    if kwargs:
        raise TypeError(f"{where}: unexpected keyword arguments {sorted(kwargs)}")
    if n_folds is None:
        raise TypeError(f"{where}: n_folds is required")
    return n_folds


def get_cross_validation_datasets(dataset, n_folds=None, order=None, **kwargs):
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
        n_fold (int): Deprecated spelling of ``n_folds`` (warns).

    Returns:
        list: ``n_folds`` tuples ``(train, test)`` of :class:`SubDataset`.

    Raises:
        TypeError: If ``n_folds`` is missing or not an integer.
        ValueError: If ``n_folds`` is out of range or ``order`` is invalid.

    Example:
        >>> folds = get_cross_validation_datasets(numpy.arange(6), 3)
        >>> [len(test) for _, test in folds]
        [2, 2, 2]
    """
    n_folds = _n_folds_from(n_folds, kwargs, "get_cross_validation_datasets")
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
        pairs.append(_split(dataset, n - test_size, order, "get_cross_validation_datasets",
                            "split_at"))
        order = numpy.roll(order, test_size)
    return pairs


def get_cross_validation_datasets_random(dataset, n_folds=None, seed=None, **kwargs):
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
    n_folds = _n_folds_from(n_folds, kwargs, "get_cross_validation_datasets_random")
    order = _permutation(len(dataset), seed, "get_cross_validation_datasets_random")
    return get_cross_validation_datasets(dataset, n_folds, order)

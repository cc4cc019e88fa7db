"""Exact indices of every splitting helper (Chainer's definitions)."""

import warnings

import numpy
import pytest

from rechain.datasets import (get_cross_validation_datasets, get_cross_validation_datasets_random,
                              split_dataset, split_dataset_n, split_dataset_n_random,
                              split_dataset_random)

DATA = numpy.arange(100, 107)  # value = 100 + index


def _idx(sub):
    return [int(v) - 100 for v in sub]


def test_split_dataset_with_order():
    order = [6, 0, 5, 1, 4, 2, 3]
    first, second = split_dataset(DATA, 3, order)
    assert _idx(first) == [6, 0, 5] and _idx(second) == [1, 4, 2, 3]
    first, second = split_dataset(DATA, 0)
    assert _idx(first) == [] and _idx(second) == list(range(7))
    first, second = split_dataset(DATA, 7)
    assert _idx(first) == list(range(7)) and _idx(second) == []


def test_split_dataset_too_large_names_split_at_and_length():
    with pytest.raises(ValueError, match=r"split_dataset: split_at \(8\) exceeds the size of "
                                         r"the dataset \(7\)"):
        split_dataset(DATA, 8)


def test_split_dataset_random_matches_random_state_permutation():
    perm = [6, 2, 1, 3, 0, 5, 4]  # numpy.random.RandomState(0).permutation(7)
    assert numpy.random.RandomState(0).permutation(7).tolist() == perm
    first, second = split_dataset_random(DATA, 2, seed=0)
    assert _idx(first) == perm[:2] and _idx(second) == perm[2:]
    with pytest.raises(ValueError, match=r"split_dataset_random: first_size \(9\) exceeds"):
        split_dataset_random(DATA, 9, seed=0)


def test_split_dataset_n():
    parts = split_dataset_n(DATA, 3)
    assert [_idx(p) for p in parts] == [[0, 1], [2, 3], [4, 5]]  # the 7th example is dropped
    parts = split_dataset_n(DATA, 2, order=[6, 5, 4, 3, 2, 1, 0])
    assert [_idx(p) for p in parts] == [[6, 5, 4], [3, 2, 1]]
    assert [_idx(p) for p in split_dataset_n(DATA, 7)] == [[i] for i in range(7)]
    with pytest.raises(ValueError, match=r"split_dataset_n: n must be in \[1, 7\].*got 8"):
        split_dataset_n(DATA, 8)
    with pytest.raises(ValueError, match="got 0"):
        split_dataset_n(DATA, 0)
    with pytest.raises(TypeError, match="n must be an integer"):
        split_dataset_n(DATA, 2.0)


def test_split_dataset_n_random():
    perm = [6, 2, 1, 3, 0, 5, 4]
    parts = split_dataset_n_random(DATA, 3, seed=0)
    assert [_idx(p) for p in parts] == [perm[0:2], perm[2:4], perm[4:6]]


def test_cross_validation_exact_folds():
    folds = get_cross_validation_datasets(DATA, 3)
    # fold sizes 2, 2, 3; the first pair tests on the last (largest) block
    assert [(_idx(tr), _idx(te)) for tr, te in folds] == [
        ([0, 1, 2, 3], [4, 5, 6]),
        ([4, 5, 6, 0, 1], [2, 3]),
        ([2, 3, 4, 5, 6], [0, 1]),
    ]
    order = [3, 4, 5, 6, 0, 1, 2]
    folds = get_cross_validation_datasets(DATA, n_folds=2, order=order)
    assert [(_idx(tr), _idx(te)) for tr, te in folds] == [
        ([3, 4, 5], [6, 0, 1, 2]),
        ([6, 0, 1, 2], [3, 4, 5]),
    ]


def test_cross_validation_deprecated_n_fold_and_bad_kwargs():
    with pytest.warns(DeprecationWarning, match="n_fold is deprecated"):
        folds = get_cross_validation_datasets(DATA, n_fold=7)
    assert [_idx(te) for _, te in folds] == [[6], [5], [4], [3], [2], [1], [0]]
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['folds'\]"):
        get_cross_validation_datasets(DATA, folds=2)
    with pytest.raises(TypeError, match="n_folds is required"):
        get_cross_validation_datasets(DATA)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_cross_validation_datasets(DATA, 2)  # no warning for the current name


def test_cross_validation_random():
    perm = [6, 2, 1, 3, 0, 5, 4]
    folds = get_cross_validation_datasets_random(DATA, 2, seed=0)
    assert [(_idx(tr), _idx(te)) for tr, te in folds] == [
        (perm[:3], perm[3:]),
        (perm[3:], perm[:3]),
    ]
    with pytest.warns(DeprecationWarning):
        again = get_cross_validation_datasets_random(DATA, n_fold=2, seed=0)
    assert [_idx(te) for _, te in again] == [perm[3:], perm[:3]]

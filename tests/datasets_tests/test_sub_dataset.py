import numpy
import pytest

from rechain.datasets import (
    SubDataset,
    TupleDataset,
    get_cross_validation_datasets,
    get_cross_validation_datasets_random,
    split_dataset,
    split_dataset_random,
)


def _values(ds):
    return [int(v) for v in ds]


def test_subdataset_range():
    base = numpy.arange(10) * 10
    sub = SubDataset(base, 2, 6)
    assert len(sub) == 4
    assert _values(sub) == [20, 30, 40, 50]
    assert sub[0] == 20 and sub[3] == 50
    assert sub[-1] == 50 and sub[-4] == 20


def test_subdataset_with_order():
    base = numpy.arange(5) * 10
    order = [4, 2, 0, 1, 3]
    sub = SubDataset(base, 1, 4, order)
    assert _values(sub) == [20, 0, 10]
    assert sub[-1] == 10


def test_subdataset_slice_and_list_index():
    base = list("abcdefgh")
    sub = SubDataset(base, 2, 7)  # c d e f g
    assert sub[1:4] == ["d", "e", "f"]
    assert sub[::-2] == ["g", "e", "c"]
    assert sub[[4, 0, -1]] == ["g", "c", "g"]
    assert sub[numpy.array([1, 1])] == ["d", "d"]
    assert sub[numpy.int32(2)] == "e"
    assert sub[numpy.array(3)] == "f"


def test_subdataset_index_errors():
    sub = SubDataset(numpy.arange(10), 2, 5)
    with pytest.raises(IndexError, match="index 3 is out of range.*3 examples"):
        sub[3]
    with pytest.raises(IndexError, match="index -4"):
        sub[-4]
    with pytest.raises(IndexError):
        sub[[0, 5]]
    with pytest.raises(TypeError, match="integer"):
        sub[1.0]


def test_subdataset_of_tuple_dataset():
    x = numpy.arange(8).reshape(4, 2)
    t = numpy.array([0, 1, 0, 1])
    sub = SubDataset(TupleDataset(x, t), 1, 3, order=numpy.array([3, 2, 1, 0]))
    ex = sub[0]
    assert isinstance(ex, tuple)
    numpy.testing.assert_array_equal(ex[0], [4, 5])
    assert ex[1] == 0


@pytest.mark.parametrize("start, finish", [(-1, 3), (0, 11), (5, 4)])
def test_subdataset_bad_range(start, finish):
    with pytest.raises(ValueError, match="overruns the base dataset of 10"):
        SubDataset(numpy.arange(10), start, finish)


def test_subdataset_bad_types():
    with pytest.raises(TypeError, match="start must be an integer"):
        SubDataset(numpy.arange(10), 0.5, 3)
    with pytest.raises(TypeError, match="finish must be an integer"):
        SubDataset(numpy.arange(10), 0, "3")


def test_subdataset_bad_order():
    with pytest.raises(ValueError, match="10 indices.*got shape \\(9,\\)"):
        SubDataset(numpy.arange(10), 0, 3, order=numpy.arange(9))
    with pytest.raises(ValueError, match="1-D"):
        SubDataset(numpy.arange(4), 0, 3, order=numpy.arange(4).reshape(2, 2))
    with pytest.raises(TypeError, match="integers"):
        SubDataset(numpy.arange(3), 0, 3, order=numpy.array([0.0, 1.0, 2.0]))


def test_split_dataset():
    base = numpy.arange(10)
    first, second = split_dataset(base, 7)
    assert _values(first) == list(range(7))
    assert _values(second) == [7, 8, 9]


def test_split_dataset_with_order():
    base = numpy.arange(6)
    order = numpy.array([5, 3, 1, 0, 2, 4])
    first, second = split_dataset(base, 2, order)
    assert _values(first) == [5, 3]
    assert _values(second) == [1, 0, 2, 4]


@pytest.mark.parametrize("size", [0, 10])
def test_split_dataset_edges(size):
    first, second = split_dataset(numpy.arange(10), size)
    assert len(first) == size and len(second) == 10 - size
    assert sorted(_values(first) + _values(second)) == list(range(10))


def test_split_dataset_errors():
    with pytest.raises(ValueError, match="non-negative, got -1"):
        split_dataset(numpy.arange(10), -1)
    message = r"split_dataset: split_at \(11\) exceeds the size of the dataset \(10\)"
    with pytest.raises(ValueError, match=message):
        split_dataset(numpy.arange(10), 11)
    with pytest.raises(TypeError, match="split_at must be an integer"):
        split_dataset(numpy.arange(10), 2.5)
    with pytest.raises(TypeError, match="split_at must be an integer"):
        split_dataset(numpy.arange(10), True)
    # Chainer's keyword name
    first, second = split_dataset(numpy.arange(10), split_at=4)
    assert len(first) == 4 and len(second) == 6
    with pytest.raises(ValueError, match="10 indices"):
        split_dataset(numpy.arange(10), 3, order=numpy.arange(4))


def test_split_dataset_accepts_numpy_int():
    first, second = split_dataset(numpy.arange(5), numpy.int64(2))
    assert len(first) == 2 and len(second) == 3


def test_split_dataset_random_is_a_partition_and_deterministic():
    base = numpy.arange(100)
    a1, b1 = split_dataset_random(base, 30, seed=3)
    a2, b2 = split_dataset_random(base, 30, seed=3)
    assert _values(a1) == _values(a2) and _values(b1) == _values(b2)
    assert len(a1) == 30 and len(b1) == 70
    assert sorted(_values(a1) + _values(b1)) == list(range(100))
    assert _values(a1) != list(range(30))  # actually shuffled
    a3, _ = split_dataset_random(base, 30, seed=4)
    assert _values(a3) != _values(a1)


def test_split_dataset_random_matches_legacy_randomstate():
    # Same permutation as numpy.random.RandomState(seed), hence as Chainer.
    base = numpy.arange(20)
    first, second = split_dataset_random(base, 5, seed=0)
    expected = numpy.random.RandomState(0).permutation(20)
    assert _values(first) + _values(second) == expected.tolist()


def test_split_dataset_random_with_generator():
    first, second = split_dataset_random(numpy.arange(10), 4, seed=numpy.random.default_rng(1))
    expected = numpy.random.default_rng(1).permutation(10)
    assert _values(first) + _values(second) == expected.tolist()


def test_split_dataset_random_errors():
    with pytest.raises(ValueError, match="exceeds"):
        split_dataset_random(numpy.arange(4), 5, seed=0)
    with pytest.raises(ValueError, match="non-negative"):
        split_dataset_random(numpy.arange(4), -2, seed=0)
    with pytest.raises(TypeError, match="seed must be an integer"):
        split_dataset_random(numpy.arange(4), 2, seed="x")


def test_cross_validation_folds():
    base = numpy.arange(10)
    folds = get_cross_validation_datasets(base, 3)
    assert len(folds) == 3
    # Block borders 0, 3, 6, 10; the first pair tests on the last block.
    assert [sorted(_values(test)) for _, test in folds] == [[6, 7, 8, 9], [3, 4, 5], [0, 1, 2]]
    for train, test in folds:
        assert sorted(_values(train) + _values(test)) == list(range(10))
        assert not set(_values(train)) & set(_values(test))


def test_cross_validation_random_and_errors():
    folds = get_cross_validation_datasets_random(numpy.arange(9), 3, seed=0)
    tests = [v for _, test in folds for v in _values(test)]
    assert sorted(tests) == list(range(9))
    with pytest.raises(ValueError, match=r"n_folds must be in \[1, 4\]"):
        get_cross_validation_datasets(numpy.arange(4), 5)
    with pytest.raises(ValueError, match="n_folds"):
        get_cross_validation_datasets(numpy.arange(4), 0)
    with pytest.raises(TypeError, match="n_folds must be an integer"):
        get_cross_validation_datasets(numpy.arange(4), 2.0)
    with pytest.raises(ValueError, match="order"):
        get_cross_validation_datasets(numpy.arange(4), 2, order=[0, 1])

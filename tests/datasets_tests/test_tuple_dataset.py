import numpy
import pytest

from rechain.datasets import TupleDataset


def _make():
    x = numpy.arange(12, dtype=numpy.float32).reshape(6, 2)
    t = numpy.arange(6, dtype=numpy.int32) * 10
    names = ["a", "b", "c", "d", "e", "f"]
    return x, t, names


def test_len_and_int_index():
    x, t, names = _make()
    ds = TupleDataset(x, t, names)
    assert len(ds) == 6
    ex = ds[2]
    assert isinstance(ex, tuple) and len(ex) == 3
    numpy.testing.assert_array_equal(ex[0], [4.0, 5.0])
    assert ex[1] == 20 and ex[2] == "c"


def test_negative_int_index():
    x, t, names = _make()
    ex = TupleDataset(x, t, names)[-1]
    numpy.testing.assert_array_equal(ex[0], [10.0, 11.0])
    assert ex[1] == 50 and ex[2] == "f"


def test_numpy_integer_index_gives_tuple():
    x, t, _ = _make()
    ex = TupleDataset(x, t)[numpy.int64(3)]
    assert isinstance(ex, tuple)
    assert ex[1] == 30


def test_single_dataset_gives_one_tuples():
    ds = TupleDataset(numpy.arange(3))
    assert ds[1] == (1,)
    assert ds[0:2] == [(0,), (1,)]


@pytest.mark.parametrize("index, expected", [
    (slice(1, 4), [1, 2, 3]),
    (slice(None, None, 2), [0, 2, 4]),
    (slice(None, None, -1), [5, 4, 3, 2, 1, 0]),
    (slice(4, 100), [4, 5]),
    (slice(3, 3), []),
])
def test_slice_index(index, expected):
    x, t, names = _make()
    batch = TupleDataset(x, t, names)[index]
    assert isinstance(batch, list)
    assert [int(ex[1]) // 10 for ex in batch] == expected
    assert [ex[2] for ex in batch] == [names[i] for i in expected]
    for i, ex in zip(expected, batch, strict=True):
        assert isinstance(ex, tuple)
        numpy.testing.assert_array_equal(ex[0], x[i])


@pytest.mark.parametrize("index", [
    [4, 0, 4], numpy.array([4, 0, 4]), numpy.array([4, 0, 4], dtype=numpy.int32), [-2, 0, -2],
])
def test_list_and_array_index(index):
    x, t, names = _make()
    batch = TupleDataset(x, t, names)[index]
    assert isinstance(batch, list) and len(batch) == 3
    assert [int(ex[1]) for ex in batch] == [40, 0, 40]
    assert [ex[2] for ex in batch] == ["e", "a", "e"]
    numpy.testing.assert_array_equal(batch[1][0], x[0])


def test_empty_list_index():
    x, t, names = _make()
    assert TupleDataset(x, t, names)[[]] == []
    assert TupleDataset(x, t)[numpy.array([], dtype=numpy.int64)] == []


def test_boolean_mask_index():
    x, t, names = _make()
    mask = numpy.array([True, False, False, True, False, True])
    batch = TupleDataset(x, t, names)[mask]
    assert [int(ex[1]) for ex in batch] == [0, 30, 50]
    assert [ex[2] for ex in batch] == ["a", "d", "f"]


def test_boolean_mask_wrong_length():
    x, t, _ = _make()
    with pytest.raises(IndexError, match=r"shape \(6,\)"):
        TupleDataset(x, t)[numpy.array([True, False])]


def test_float_index_array_rejected():
    x, t, _ = _make()
    with pytest.raises(TypeError, match="integers"):
        TupleDataset(x, t)[numpy.array([0.0, 1.0])]


def test_out_of_range_int_index():
    x, t, names = _make()
    with pytest.raises(IndexError):
        TupleDataset(x, t)[6]
    with pytest.raises(IndexError):
        TupleDataset(x, t, names)[[0, 7]]


def test_iteration_yields_all_examples():
    x, t, _ = _make()
    rows = list(TupleDataset(x, t))
    assert len(rows) == 6
    assert [int(r[1]) for r in rows] == [0, 10, 20, 30, 40, 50]


def test_no_datasets():
    with pytest.raises(ValueError, match="no datasets"):
        TupleDataset()


def test_ragged_lengths_name_positions_and_lengths():
    with pytest.raises(ValueError) as info:
        TupleDataset(numpy.zeros(5), numpy.zeros(5), numpy.zeros(4))
    message = str(info.value)
    assert "3rd dataset has 4" in message
    assert "1st dataset has 5" in message
    assert "[5, 5, 4]" in message


def test_ragged_second_dataset():
    with pytest.raises(ValueError, match="2nd dataset has 3"):
        TupleDataset([1, 2], [1, 2, 3])


def test_returns_views_for_int_index():
    x, t, _ = _make()
    ex = TupleDataset(x, t)[1]
    assert numpy.shares_memory(ex[0], x)

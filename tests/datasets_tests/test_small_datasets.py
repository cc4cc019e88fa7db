import pickle

import numpy
import pytest

from rechain.dataset import concat_examples
from rechain.datasets import ConcatenatedDataset, DictDataset, TransformDataset, TupleDataset


def test_transform_dataset():
    base = TupleDataset(numpy.arange(4.0), numpy.arange(4))
    calls = []

    def transform(example):
        calls.append(example)
        x, t = example
        return x * 10, t + 1

    ds = TransformDataset(base, transform)
    assert len(ds) == 4
    assert ds[2] == (20.0, 3)
    assert ds[1:3] == [(10.0, 2), (20.0, 3)]
    assert ds[[3, 0]] == [(30.0, 4), (0.0, 1)]
    assert ds[-1] == (30.0, 4)
    assert len(calls) == 6  # computed on every read, nothing ahead of time
    assert base[2] == (2.0, 2)  # the base is untouched
    with pytest.raises(TypeError, match="TransformDataset: transform must be callable, not int"):
        TransformDataset(base, 3)


def test_transform_dataset_fresh_each_read():
    rng = numpy.random.default_rng(0)
    ds = TransformDataset([0.0], lambda x: x + rng.random())
    assert ds[0] != ds[0]


def test_dict_dataset():
    ds = DictDataset(x=numpy.arange(5) * 2, t=[0, 1, 0, 1, 1])
    assert len(ds) == 5
    assert ds[3] == {"x": 6, "t": 1}
    assert ds[1:4:2] == [{"x": 2, "t": 1}, {"x": 6, "t": 1}]
    assert ds[[4, 0]] == [{"x": 8, "t": 1}, {"x": 0, "t": 0}]
    assert ds[numpy.array([True, False, False, False, True])] == [{"x": 0, "t": 0},
                                                                   {"x": 8, "t": 1}]
    batch = concat_examples(ds[0:3])
    assert batch["x"].tolist() == [0, 2, 4] and batch["t"].tolist() == [0, 1, 0]
    assert [e["x"] for e in ds] == [0, 2, 4, 6, 8]
    with pytest.raises(ValueError, match="DictDataset: no datasets"):
        DictDataset()
    with pytest.raises(ValueError, match=r"dataset 'x' has 2 examples and dataset 'y' has 3"):
        DictDataset(x=[1, 2], y=[1, 2, 3])


def test_concatenated_dataset():
    ds = ConcatenatedDataset([0, 1], [], numpy.array([2, 3, 4]), (5,))
    assert len(ds) == 6
    assert [ds[i] for i in range(6)] == [0, 1, 2, 3, 4, 5]
    assert ds[-1] == 5 and ds[-4] == 2 and ds[-6] == 0
    assert ds[1:5] == [1, 2, 3, 4]
    assert ds[[5, 0, 2]] == [5, 0, 2]
    with pytest.raises(IndexError, match="index 6 is out of range for a dataset of 6"):
        ds[6]
    with pytest.raises(IndexError, match="index -7"):
        ds[-7]
    assert len(ConcatenatedDataset()) == 0


def test_small_datasets_pickle():
    ds = ConcatenatedDataset(DictDataset(a=[1, 2]), DictDataset(a=[3]))
    again = pickle.loads(pickle.dumps(ds))
    assert [again[i] for i in range(3)] == [{"a": 1}, {"a": 2}, {"a": 3}]

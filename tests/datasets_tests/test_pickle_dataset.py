import os
import pickle

import numpy
import pytest

from rechain.datasets import (PickleDataset, PickleDatasetWriter, open_pickle_dataset,
                              open_pickle_dataset_writer)
from rechain.iterators import MultiprocessIterator


def test_write_and_read(tmp_path):
    path = str(tmp_path / "data.pkl")
    examples = [(1, 2.0, "hello"), {"x": numpy.arange(3)}, None, "last"]
    with open_pickle_dataset_writer(path) as writer:
        for e in examples:
            writer.write(e)
        assert len(writer) == 4
        assert not os.path.exists(path)  # published only when complete
    with open_pickle_dataset(path) as ds:
        assert len(ds) == 4
        assert ds[0] == (1, 2.0, "hello")
        assert ds[1]["x"].tolist() == [0, 1, 2]
        assert ds[2] is None and ds[-1] == "last"
        assert ds[3] == "last" and ds[0] == (1, 2.0, "hello")
        assert ds[1:3][1] is None
        with pytest.raises(IndexError, match="index 4 is out of range for 4"):
            ds[4]


def test_failed_writer_leaves_nothing(tmp_path):
    path = tmp_path / "data.pkl"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with open_pickle_dataset_writer(str(path)) as writer:
            writer.write(1)
            raise RuntimeError("interrupted")
    assert path.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["data.pkl"]


def test_reader_and_writer_objects(tmp_path):
    path = tmp_path / "raw.pkl"
    with open(path, "wb") as f:
        w = PickleDatasetWriter(f, protocol=2)
        w.write([1])
        w.write([2])
        w.flush()
    with open(path, "rb") as f:
        ds = PickleDataset(f)
        assert [ds[0], ds[1]] == [[1], [2]]

    class NoSeek:
        def seekable(self):
            return False

    with pytest.raises(ValueError, match="PickleDataset: the reader must be seekable"):
        PickleDataset(NoSeek())


def test_pickled_dataset_and_worker_processes(tmp_path):
    path = str(tmp_path / "d.pkl")
    with open_pickle_dataset_writer(path) as w:
        for i in range(30):
            w.write(numpy.full(3, i))
    ds = open_pickle_dataset(path)
    again = pickle.loads(pickle.dumps(ds))
    assert again[29].tolist() == [29, 29, 29]
    with MultiprocessIterator(ds, 6, repeat=False, shuffle=False, n_processes=2) as it:
        values = [int(x[0]) for batch in it for x in batch]
    assert values == list(range(30))
    ds.close()

import numpy
import pytest

from rechain.dataset import DatasetMixin


class Squares(DatasetMixin):
    def __init__(self, n):
        self.n = n
        self.calls = []

    def __len__(self):
        return self.n

    def get_example(self, i):
        if not -self.n <= i < self.n:
            raise IndexError(i)
        self.calls.append(i)
        return (i % self.n) ** 2


def test_indexing():
    ds = Squares(5)
    assert ds[2] == 4
    assert ds[numpy.int64(3)] == 9
    assert ds[numpy.array(4)] == 16
    assert ds[1:4] == [1, 4, 9]
    assert ds[::-2] == [16, 4, 0]
    assert ds[[4, 0]] == [16, 0]
    assert ds[numpy.array([1, 1])] == [1, 1]
    assert ds[numpy.array([True, False, True, False, False])] == [0, 4]
    assert list(ds) == [0, 1, 4, 9, 16]
    with pytest.raises(IndexError):
        ds[5]
    with pytest.raises(TypeError, match="Squares: indices must be integers"):
        ds[numpy.array([0.5])]


def test_abstract():
    class Empty(DatasetMixin):
        pass

    with pytest.raises(NotImplementedError, match="Empty must implement __len__"):
        len(Empty())
    with pytest.raises(NotImplementedError, match="Empty must implement get_example"):
        Empty().get_example(0)

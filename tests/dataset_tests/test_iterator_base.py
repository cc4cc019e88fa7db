import pytest

from rechain.dataset import Iterator


class Countdown(Iterator):
    def __init__(self, n):
        self.n = n
        self.finalized = 0

    def __next__(self):
        if self.n == 0:
            raise StopIteration
        self.n -= 1
        return [self.n]

    def finalize(self):
        self.finalized += 1


def test_protocol_and_context_manager():
    with Countdown(3) as it:
        assert iter(it) is it
        assert it.next() == [2]
        assert list(it) == [[1], [0]]
    assert it.finalized == 1


def test_base_defaults():
    it = Iterator()
    with pytest.raises(NotImplementedError, match="Iterator must implement __next__"):
        next(it)
    it.finalize()
    it.finalize()
    assert it.serialize(lambda k, v: v) is None

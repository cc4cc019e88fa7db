import copy

import numpy
import pytest

from rechain.datasets import TupleDataset
from rechain.iterators import OrderSampler, SerialIterator, ShuffleOrderSampler


class _Saver:
    """Records values like a saving Chainer serializer."""

    def __init__(self):
        self.store = {}
        self.keys = []

    def __call__(self, key, value):
        self.keys.append(key)
        self.store[key] = numpy.array(value) if isinstance(value, numpy.ndarray) else value
        return value


class _Loader:
    """Returns stored values like a loading Chainer serializer (arrays in place)."""

    def __init__(self, store):
        self.store = store

    def __call__(self, key, value):
        stored = self.store[key]  # KeyError when missing, as Chainer's
        if isinstance(value, numpy.ndarray):
            numpy.copyto(value, stored)
            return value
        return stored


def _stream(it, n_batches):
    out = []
    for _ in range(n_batches):
        out.extend(next(it))
    return out


def _served(store, data):
    """Examples of the stored epoch already served before the snapshot."""
    return [data[i] for i in store["order"][:store["current_position"]]]


# -- ordered iteration and epoch accounting -------------------------------------------------

def test_repeat_no_shuffle_uneven_batches():
    it = SerialIterator(list(range(5)), 2, shuffle=False)
    expected = [
        # batch, epoch, is_new_epoch, epoch_detail, previous_epoch_detail
        ([0, 1], 0, False, 0.4, 0.0),
        ([2, 3], 0, False, 0.8, 0.4),
        ([4, 0], 1, True, 1.2, 0.8),
        ([1, 2], 1, False, 1.6, 1.2),
        ([3, 4], 2, True, 2.0, 1.6),
        ([0, 1], 2, False, 2.4, 2.0),
    ]
    assert it.epoch == 0 and it.epoch_detail == 0.0 and it.previous_epoch_detail is None
    assert it.current_position == 0 and not it.is_new_epoch
    for batch, epoch, new, detail, previous in expected:
        assert next(it) == batch
        assert it.epoch == epoch
        assert it.is_new_epoch is new
        assert it.epoch_detail == pytest.approx(detail)
        assert it.previous_epoch_detail == pytest.approx(previous)
    assert it.current_position == 2


def test_no_repeat_last_batch_smaller_then_stop():
    it = SerialIterator(numpy.arange(7) * 10, 3, repeat=False, shuffle=False)
    batches = [next(it), next(it), next(it)]
    assert [[int(v) for v in b] for b in batches] == [[0, 10, 20], [30, 40, 50], [60]]
    assert it.epoch == 1 and it.is_new_epoch
    assert it.epoch_detail == pytest.approx(1.0)
    assert it.previous_epoch_detail == pytest.approx(6 / 7)
    with pytest.raises(StopIteration):
        next(it)
    with pytest.raises(StopIteration):
        next(it)


def test_no_repeat_exact_multiple():
    it = SerialIterator(list(range(6)), 3, repeat=False, shuffle=False)
    assert list(it) == [[0, 1, 2], [3, 4, 5]]
    assert it.epoch == 1


def test_for_loop_and_iter_protocol():
    it = SerialIterator(list("abcde"), 2, repeat=False, shuffle=False)
    assert iter(it) is it
    assert [b for b in it] == [["a", "b"], ["c", "d"], ["e"]]
    assert it.next is not None


def test_batch_larger_than_dataset_repeat_wraps_several_times():
    it = SerialIterator(list(range(3)), 7, shuffle=False)
    assert next(it) == [0, 1, 2, 0, 1, 2, 0]
    assert it.epoch == 2 and it.is_new_epoch and it.current_position == 1
    assert it.epoch_detail == pytest.approx(2 + 1 / 3)
    assert next(it) == [1, 2, 0, 1, 2, 0, 1]
    assert it.epoch == 4 and it.current_position == 2


def test_batch_larger_than_dataset_no_repeat():
    it = SerialIterator(list(range(3)), 7, repeat=False, shuffle=False)
    assert next(it) == [0, 1, 2]
    assert it.epoch == 1
    with pytest.raises(StopIteration):
        next(it)


def test_tuple_dataset_batches_are_lists_of_tuples():
    x = numpy.arange(8, dtype=numpy.float32).reshape(4, 2)
    t = numpy.array([1, 0, 1, 0], dtype=numpy.int32)
    it = SerialIterator(TupleDataset(x, t), 3, repeat=False, shuffle=False)
    batch = next(it)
    assert len(batch) == 3 and all(isinstance(ex, tuple) for ex in batch)
    numpy.testing.assert_array_equal(batch[2][0], [4.0, 5.0])
    assert [int(ex[1]) for ex in batch] == [1, 0, 1]


def test_reset():
    it = SerialIterator(list(range(5)), 2, shuffle=False)
    _stream(it, 3)
    it.reset()
    assert it.epoch == 0 and it.current_position == 0 and not it.is_new_epoch
    assert it.previous_epoch_detail is None
    assert next(it) == [0, 1]
    stopped = SerialIterator(list(range(2)), 2, repeat=False, shuffle=False)
    list(stopped)
    stopped.reset()
    assert next(stopped) == [0, 1]


def test_context_manager_and_repr():
    with SerialIterator(list(range(3)), 2, shuffle=False) as it:
        assert next(it) == [0, 1]
    assert "batch_size=2" in repr(it)
    assert it.repeat is True


# -- shuffling --------------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size", [(10, 3), (10, 5), (7, 10), (1, 2)])
def test_shuffle_every_example_once_per_epoch(n, batch_size):
    it = SerialIterator(list(range(n)), batch_size, seed=0)
    n_epochs = 6
    n_batches = -(-n * n_epochs // batch_size)
    stream = _stream(it, n_batches)
    for e in range(n_epochs):
        assert sorted(stream[e * n:(e + 1) * n]) == list(range(n))
    assert it.epoch == len(stream) // n


def test_shuffle_no_repeat_covers_dataset_once():
    it = SerialIterator(list(range(11)), 4, repeat=False, seed=5)
    batches = list(it)
    assert [len(b) for b in batches] == [4, 4, 3]
    assert sorted(v for b in batches for v in b) == list(range(11))


def test_shuffle_is_deterministic_with_seed_and_really_shuffles():
    a = _stream(SerialIterator(list(range(20)), 6, seed=42), 10)
    b = _stream(SerialIterator(list(range(20)), 6, seed=42), 10)
    c = _stream(SerialIterator(list(range(20)), 6, seed=43), 10)
    assert a == b
    assert a != c
    assert a[:20] != list(range(20))
    assert a[:20] != a[20:40]  # a new order each epoch


def test_seed_accepts_generator():
    a = _stream(SerialIterator(list(range(9)), 4, seed=numpy.random.default_rng(3)), 5)
    b = _stream(SerialIterator(list(range(9)), 4, seed=numpy.random.default_rng(3)), 5)
    assert a == b


def test_default_is_shuffled():
    it = SerialIterator(list(range(50)), 50)
    assert it.order_sampler is not None
    assert sorted(next(it)) == list(range(50))
    assert SerialIterator(list(range(5)), 2, shuffle=True).order_sampler is not None
    assert SerialIterator(list(range(5)), 2, shuffle=False).order_sampler is None


def test_shuffle_order_sampler():
    s1, s2 = ShuffleOrderSampler(7), ShuffleOrderSampler(7)
    o1 = s1(numpy.arange(10), 0)
    assert o1.tolist() == s2(numpy.arange(10), 0).tolist()
    assert sorted(o1.tolist()) == list(range(10))
    legacy = ShuffleOrderSampler(numpy.random.RandomState(0))
    expected = numpy.random.RandomState(0).permutation(5)
    assert legacy(numpy.arange(5), 0).tolist() == expected.tolist()
    assert sorted(ShuffleOrderSampler()(numpy.arange(4), 0).tolist()) == [0, 1, 2, 3]
    with pytest.raises(TypeError, match="random_state"):
        ShuffleOrderSampler("seed")


class _ReverseSampler(OrderSampler):
    def __init__(self):
        self.calls = []

    def __call__(self, current_order, current_position):
        self.calls.append((numpy.array(current_order).tolist(), current_position))
        return numpy.array(current_order)[::-1].copy()


def test_custom_order_sampler():
    sampler = _ReverseSampler()
    it = SerialIterator(list(range(4)), 3, order_sampler=sampler)
    assert sampler.calls == [([0, 1, 2, 3], 0)]  # reset draws the first order
    assert next(it) == [3, 2, 1]
    assert next(it) == [0, 0, 1]  # epoch ends, the order flips back
    assert sampler.calls[-1] == ([3, 2, 1, 0], 3)
    assert it.epoch == 1 and it.is_new_epoch


def test_order_sampler_base_is_abstract():
    with pytest.raises(NotImplementedError):
        OrderSampler()(numpy.arange(3), 0)


def test_bad_order_sampler_output():
    def short(order, position):
        return numpy.arange(len(order) - 1)

    with pytest.raises(ValueError, match=r"shape \(2,\), expected \(3,\)"):
        SerialIterator(list(range(3)), 2, order_sampler=short)


# -- argument errors ------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [0, -3])
def test_nonpositive_batch_size(batch_size):
    with pytest.raises(ValueError, match=f"batch_size must be positive, got {batch_size}"):
        SerialIterator(list(range(3)), batch_size)


@pytest.mark.parametrize("batch_size", [2.0, "2", True])
def test_non_integer_batch_size(batch_size):
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        SerialIterator(list(range(3)), batch_size)


@pytest.mark.parametrize("repeat", [True, False])
def test_empty_dataset(repeat):
    with pytest.raises(ValueError, match="dataset is empty"):
        SerialIterator([], 2, repeat=repeat)


def test_conflicting_shuffle_arguments():
    with pytest.raises(ValueError, match="shuffle is set and a custom order_sampler"):
        SerialIterator(list(range(3)), 2, shuffle=True, order_sampler=_ReverseSampler())
    with pytest.raises(ValueError, match="shuffle=False"):
        SerialIterator(list(range(3)), 2, shuffle=False, seed=0)
    with pytest.raises(ValueError, match="custom order_sampler"):
        SerialIterator(list(range(3)), 2, order_sampler=_ReverseSampler(), seed=0)


# -- serialization --------------------------------------------------------------------------

def test_serialize_keys_with_and_without_order():
    saver = _Saver()
    SerialIterator(list(range(5)), 2, seed=0).serialize(saver)
    assert saver.keys == ["current_position", "epoch", "is_new_epoch", "order",
                          "previous_epoch_detail", "order_sampler/generator_state"]
    saver = _Saver()
    SerialIterator(list(range(5)), 2, shuffle=False).serialize(saver)
    assert saver.keys == ["current_position", "epoch", "is_new_epoch", "previous_epoch_detail"]


def test_serialize_round_trip_resumes_exactly():
    data = list(range(13))
    it = SerialIterator(data, 4, seed=1)
    _stream(it, 5)  # crosses an epoch boundary
    saver = _Saver()
    it.serialize(saver)
    assert saver.store["epoch"] == 1 and saver.store["current_position"] == 7
    expected = [next(it) for _ in range(6)]

    resumed = SerialIterator(data, 4, seed=999)
    resumed.serialize(_Loader(saver.store))
    assert resumed.epoch == 1 and resumed.current_position == 7
    assert resumed.previous_epoch_detail == pytest.approx(saver.store["previous_epoch_detail"])
    assert resumed.epoch_detail == pytest.approx(1 + 7 / 13)
    # The rest of this epoch follows the stored order; later epochs are
    # reshuffled by the new iterator's own generator.
    assert next(resumed) == expected[0]  # positions 7..10
    second = next(resumed)
    assert second[:2] == expected[1][:2]  # positions 11, 12, then a new epoch
    assert resumed.epoch == 2 and resumed.is_new_epoch
    assert sorted(expected[0] + second[:2] + _served(saver.store, data)) == data


def test_serialize_round_trip_without_shuffle():
    it = SerialIterator(list(range(5)), 2, shuffle=False)
    _stream(it, 3)
    saver = _Saver()
    it.serialize(saver)
    resumed = SerialIterator(list(range(5)), 2, shuffle=False)
    resumed.serialize(_Loader(saver.store))
    assert resumed.epoch == 1 and resumed.is_new_epoch and resumed.current_position == 1
    assert resumed.previous_epoch_detail == pytest.approx(0.8)
    assert next(resumed) == [1, 2]


def test_serialize_before_first_batch_keeps_none_previous():
    saver = _Saver()
    SerialIterator(list(range(5)), 2, shuffle=False).serialize(saver)
    resumed = SerialIterator(list(range(5)), 2, shuffle=False)
    resumed.serialize(_Loader(saver.store))
    assert resumed.previous_epoch_detail is None


def test_deserialize_old_snapshot_without_previous_epoch_detail():
    store = {"current_position": 3, "epoch": 2, "is_new_epoch": False,
             "_order": numpy.array([4, 3, 2, 1, 0])}
    it = SerialIterator(list(range(5)), 2, seed=0)
    it.serialize(_Loader(store))
    assert it.epoch == 2 and it.current_position == 3
    assert it.previous_epoch_detail == pytest.approx(2 + (3 - 2) / 5)
    assert next(it) == [1, 0]  # read from the stored order
    fresh = {"current_position": 0, "epoch": 0, "is_new_epoch": False}
    it2 = SerialIterator(list(range(5)), 2, shuffle=False)
    it2.serialize(_Loader(fresh))
    assert it2.previous_epoch_detail is None


def test_deserialize_wrong_order_length():
    store = {"current_position": 0, "epoch": 0, "is_new_epoch": False,
             "order": numpy.arange(3), "previous_epoch_detail": -1.0}

    def loader(key, value):
        return store[key]

    it = SerialIterator(list(range(5)), 2, seed=0)
    with pytest.raises(ValueError, match=r"stored order has shape \(3,\)"):
        it.serialize(loader)


def test_copy_is_independent():
    it = SerialIterator(list(range(6)), 4, shuffle=False)
    next(it)
    clone = copy.copy(it)
    assert next(clone) == [4, 5, 0, 1]
    assert it.current_position == 4 and it.epoch == 0

"""MultithreadIterator and MultiprocessIterator against SerialIterator.

Every test that talks to workers runs under ``_bounded`` so that a hang fails
the test after a few seconds instead of blocking the run.
"""

import multiprocessing
import os
import threading
import time

import numpy
import pytest

from rechain.datasets import TupleDataset
from rechain.iterators import (MultiprocessIterator, MultithreadIterator, OrderSampler,
                               SerialIterator)
from rechain.iterators import multiprocess_iterator

_LIMIT = 60.0


def _bounded(fn, limit=_LIMIT):
    """Run ``fn()`` in a thread; fail the test if it has not returned in ``limit`` s."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # handed to the test thread below
            box["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        pytest.fail(f"timed out after {limit} s (a hang)")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _make(kind, dataset, batch_size, **kwargs):
    if kind == "thread":
        return MultithreadIterator(dataset, batch_size, n_threads=kwargs.pop("workers", 2),
                                   **kwargs)
    return MultiprocessIterator(dataset, batch_size, n_processes=kwargs.pop("workers", 2),
                                **kwargs)


KINDS = ["thread", "process"]


class _Saver:
    def __init__(self):
        self.store = {}
        self.keys = []

    def __call__(self, key, value):
        self.keys.append(key)
        self.store[key] = numpy.array(value) if isinstance(value, numpy.ndarray) else value
        return value


class _Loader:
    def __init__(self, store):
        self.store = store

    def __call__(self, key, value):
        stored = self.store[key]
        if isinstance(value, numpy.ndarray):
            numpy.copyto(value, stored)
            return value
        return stored


class ReverseEveryOther(OrderSampler):
    """A deterministic custom sampler: reversed, then shifted, epoch by epoch."""

    def __init__(self):
        self.calls = 0

    def __call__(self, current_order, current_position):
        self.calls += 1
        n = len(current_order)
        return numpy.roll(numpy.arange(n)[::-1], self.calls)


def _progress(it):
    return (it.epoch, it.is_new_epoch, it.epoch_detail, it.previous_epoch_detail,
            it.current_position)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n, batch_size, repeat, options", [
    (10, 3, True, {"seed": 7}),
    (10, 3, False, {"seed": 7}),
    (7, 2, True, {"shuffle": False}),
    (7, 7, True, {"shuffle": False}),
    (5, 12, True, {"seed": 1}),  # one batch spans several epochs
    (5, 12, False, {"shuffle": False}),
    (9, 4, True, {"order_sampler": "custom"}),
])
def test_same_batches_as_serial(kind, n, batch_size, repeat, options):
    data = TupleDataset(numpy.arange(n) * 10, numpy.arange(n))

    def options_copy():
        out = dict(options)
        if out.get("order_sampler") == "custom":
            out["order_sampler"] = ReverseEveryOther()
        return out

    serial = SerialIterator(data, batch_size, repeat=repeat, **options_copy())

    def run():
        with _make(kind, data, batch_size, repeat=repeat, **options_copy()) as it:
            assert _progress(it) == _progress(serial)
            for _ in range(12):
                try:
                    expected = next(serial)
                except StopIteration:
                    with pytest.raises(StopIteration):
                        next(it)
                    with pytest.raises(StopIteration):
                        next(it)
                    return
                got = next(it)
                assert [(int(x), int(t)) for x, t in got] == \
                    [(int(x), int(t)) for x, t in expected]
                assert _progress(it) == _progress(serial)

    _bounded(run)


@pytest.mark.parametrize("n_prefetch", [1, 3])
def test_multiprocess_prefetch_depth_does_not_change_batches(n_prefetch):
    serial = SerialIterator(list(range(11)), 4, seed=3)

    def run():
        with MultiprocessIterator(list(range(11)), 4, seed=3, n_processes=2,
                                  n_prefetch=n_prefetch) as it:
            return [next(it) for _ in range(9)]

    assert _bounded(run) == [next(serial) for _ in range(9)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shuffle", [False, True])
def test_snapshots_interchangeable_with_serial(kind, shuffle):
    data = list(range(13))
    options = {"seed": 5} if shuffle else {"shuffle": False}

    def run():
        # parallel -> serial
        with _make(kind, data, 4, **options) as it:
            for _ in range(2):
                next(it)
            saver = _Saver()
            it.serialize(saver)
            rest = [next(it) for _ in range(1)]
        reference = _Saver()
        SerialIterator(data, 4, **options).serialize(reference)
        assert saver.keys == reference.keys
        assert ("order" in saver.keys) is shuffle
        serial = SerialIterator(data, 4, **options)
        serial.serialize(_Loader(saver.store))
        assert serial.current_position == 8 and serial.epoch == 0
        assert next(serial) == rest[0]

        # serial -> parallel, across an epoch boundary
        serial = SerialIterator(data, 4, shuffle=False)
        for _ in range(5):
            next(serial)
        saver = _Saver()
        serial.serialize(saver)
        with _make(kind, data, 4, shuffle=False) as it:
            next(it)  # prefetching has started; loading must drop it
            it.serialize(_Loader(saver.store))
            assert _progress(it) == _progress(serial)
            assert [next(it) for _ in range(4)] == [next(serial) for _ in range(4)]

    _bounded(run)


@pytest.mark.parametrize("kind", KINDS)
def test_reset(kind):
    def run():
        with _make(kind, list(range(6)), 4, shuffle=False) as it:
            assert next(it) == [0, 1, 2, 3]
            assert next(it) == [4, 5, 0, 1]
            it.reset()
            assert it.epoch == 0 and it.previous_epoch_detail is None
            assert next(it) == [0, 1, 2, 3]

    _bounded(run)


class FailingAt:
    """Raises ``ValueError`` for one index."""

    def __init__(self, n, bad):
        self.n = n
        self.bad = bad

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            raise ValueError(f"broken record {i}")
        return i


class TwoArgError(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)


class RaisesTwoArg(FailingAt):
    def __getitem__(self, i):
        if i == self.bad:
            raise TwoArgError(3, "disk")
        return i


@pytest.mark.parametrize("kind", KINDS)
def test_worker_exception_reraised_with_index(kind):
    def run():
        dataset = FailingAt(10, 6)
        with _make(kind, dataset, 4, shuffle=False) as it:
            assert next(it) == [0, 1, 2, 3]
            before = _progress(it)
            with pytest.raises(ValueError) as info:
                next(it)
            message = str(info.value)
            assert "loading example 6" in message and "broken record 6" in message
            assert info.value.index == 6
            assert "broken record 6" in str(info.value.__cause__)
            assert _progress(it) == before  # the failed batch was not handed out
            if kind == "thread":
                dataset.bad = None  # the threads see the same object
                assert next(it) == [4, 5, 6, 7]
            else:
                with pytest.raises(ValueError, match="loading example 6"):
                    next(it)  # asking again retries (and fails again), no hang

    _bounded(run)


@pytest.mark.parametrize("kind", KINDS)
def test_worker_exception_of_odd_type_becomes_runtime_error(kind):
    def run():
        with _make(kind, RaisesTwoArg(5, 2), 5, shuffle=False) as it:
            with pytest.raises(RuntimeError, match=r"loading example 2 .*TwoArgError.*3, 'disk'"):
                next(it)

    _bounded(run)


class DiesAt(FailingAt):
    def __getitem__(self, i):
        if i == self.bad:
            os._exit(3)
        return i


def test_dead_worker_raises_instead_of_hanging():
    def run():
        with MultiprocessIterator(DiesAt(8, 5), 4, shuffle=False, n_processes=2) as it:
            assert next(it) == [0, 1, 2, 3]
            with pytest.raises(RuntimeError, match="worker process died"):
                next(it)
            assert it.current_position == 4
            # the next call starts new workers (which die again at the same example)
            with pytest.raises(RuntimeError, match="worker process died"):
                next(it)
            assert it.current_position == 4
        with MultiprocessIterator(DiesAt(8, 1), 4, shuffle=False, n_processes=2) as it:
            with pytest.raises(RuntimeError, match="worker process died"):
                next(it)
            assert it.current_position == 0 and it.previous_epoch_detail is None

    _bounded(run)


class Pids:
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return os.getpid()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_multiprocess_finalize_leaves_no_processes():
    def run():
        before = {p.pid for p in multiprocessing.active_children()}
        it = MultiprocessIterator(Pids(), 4, shuffle=False, n_processes=2, n_prefetch=2)
        pids = set(next(it))
        assert os.getpid() not in pids
        it.finalize()
        it.finalize()
        assert not any(_alive(pid) for pid in pids)  # exited and reaped: no zombies
        assert {p.pid for p in multiprocessing.active_children()} <= before
        with pytest.raises(RuntimeError, match="finalized"):
            next(it)

        with MultiprocessIterator(Pids(), 2, shuffle=False, n_processes=1) as it:
            pids = set(next(it))
        assert not any(_alive(pid) for pid in pids)

    _bounded(run)


def test_multithread_finalize_leaves_no_threads():
    def workers():
        return [t for t in threading.enumerate()
                if t.name.startswith("rechain-MultithreadIterator")]

    def run():
        assert workers() == []
        with MultithreadIterator(list(range(20)), 5, n_threads=3) as it:
            next(it)
            next(it)
            assert workers()
        assert workers() == []
        it = MultithreadIterator(list(range(20)), 5, n_threads=3)
        next(it)
        it.finalize()
        it.finalize()
        assert workers() == []

    _bounded(run)


class Slow:
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(0.5)
        return i


def test_multiprocess_timeout_warning():
    def run():
        with MultiprocessIterator(Slow(), 2, shuffle=False, n_processes=1,
                                  dataset_timeout=0.01) as it:
            with pytest.warns(MultiprocessIterator.TimeoutWarning, match="dataset_timeout"):
                assert next(it) == [0, 1]

    _bounded(run)


def test_maxtasksperchild_replaces_workers():
    from rechain.datasets import TransformDataset

    data = TransformDataset(list(range(3)), multiprocess_iterator._report_pid)

    def run():
        with MultiprocessIterator(data, 1, shuffle=False, n_processes=1, maxtasksperchild=1,
                                  n_prefetch=1) as it:
            return [next(it)[0] for _ in range(3)]

    pids = _bounded(run, 120)
    assert len(set(pids)) == 3  # one task per worker: a fresh process each batch


def test_bad_arguments():
    with pytest.raises(ValueError,
                       match="MultiprocessIterator: n_processes must be an integer >= 1, got 0"):
        MultiprocessIterator([1], 1, n_processes=0)
    with pytest.raises(ValueError, match="n_prefetch must be"):
        MultiprocessIterator([1], 1, n_prefetch=0)
    with pytest.raises(ValueError, match="shared_mem must be"):
        MultiprocessIterator([1], 1, shared_mem=-5)
    with pytest.raises(ValueError, match="dataset_timeout must be positive"):
        MultiprocessIterator([1], 1, dataset_timeout=0)
    with pytest.raises(ValueError, match="maxtasksperchild must be"):
        MultiprocessIterator([1], 1, maxtasksperchild=0)
    with pytest.raises(ValueError, match="MultithreadIterator: n_threads must be"):
        MultithreadIterator([1], 1, n_threads=0)
    with pytest.raises(ValueError, match="MultithreadIterator: shuffle is set and a custom"):
        MultithreadIterator([1], 1, shuffle=True, order_sampler=ReverseEveryOther())
    with pytest.raises(ValueError, match="MultiprocessIterator: the dataset is empty"):
        MultiprocessIterator([], 1)
    with pytest.raises(ValueError, match="MultiprocessIterator: batch_size must be positive"):
        MultiprocessIterator([1], 0)

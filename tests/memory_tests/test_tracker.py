import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import memory

S = 1 << 18  # float32 elements: 1 MiB


def _step(use_forget, n=8):
    h = rechain.Variable(numpy.linspace(-1, 1, S, dtype=numpy.float32))
    for _ in range(n):
        h = F.forget(lambda a: F.sin(a) * a, h) if use_forget else F.sin(h) * h
    F.sum(h).backward()


def test_peak_covers_allocations_and_marks_backward():
    with memory.track() as t:
        keep = numpy.ones(S, numpy.float32)
        _step(False)
    assert t.peak >= keep.nbytes + 8 * S * 4       # the plain graph keeps ~2 arrays/op
    assert [e for _, e in t.marks] == ["backward_begin", "backward_end"]
    assert t.final >= keep.nbytes
    assert t.timeline[0] == (0.0, 0)
    times = [s for s, _ in t.timeline]
    assert times == sorted(times)


def test_forget_lowers_the_peak():
    # plain keeps 2 arrays per op until backward frees them, forget 1 (the
    # region's input); both have the same few arrays of backward transients.
    with memory.track(label="plain") as plain:
        _step(False, n=16)
    with memory.track(label="forget") as forgot:
        _step(True, n=16)
    assert forgot.peak < 0.7 * plain.peak


def test_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    with memory.track(label="a") as a:
        _step(False, 2)
    with memory.track(label="b") as b:
        _step(True, 2)
    path = tmp_path / "mem.png"
    a.plot(str(path), others=[b])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_arguments():
    with pytest.raises(ValueError, match="track: device must be 'cpu' or 'gpu', not 'tpu'"):
        memory.track(device="tpu")
    with pytest.raises(ValueError, match="track: interval must be positive"):
        memory.track(interval=0)
    t = memory.Tracker()
    with pytest.raises(ValueError, match="2 trackers but 1 labels"):
        memory.plot_timelines("x.png", [t, t], labels=["one"])


def test_observer_removed_after_exit():
    from rechain import _backprop
    with memory.track():
        pass
    assert _backprop.observers == []

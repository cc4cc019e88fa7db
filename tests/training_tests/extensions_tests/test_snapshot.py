import os
import time

import numpy
import pytest

from rechain import serializers
from rechain.training import extensions
from rechain.training.extensions import snapshot_writers


def _params(model):
    return {name: p.array.copy() for name, p in model.namedparams()}


def _touch_order(directory, names):
    """Give the files strictly increasing modification times, in this order."""
    base = time.time() - 100
    for i, name in enumerate(names):
        os.utime(os.path.join(directory, name), (base + i, base + i))


def _extend_common(trainer):
    trainer.extend(extensions.ExponentialShift("lr", 0.5), trigger=(1, "epoch"))
    trainer.extend(extensions.LogReport())


def test_resume_is_bit_identical(task, tmp_path):
    # Uninterrupted: 4 epochs. (The iterator does not shuffle: SerialIterator's
    # snapshot holds the current order but not its generator's state.)
    full = task(out=tmp_path / "full", stop=(4, "epoch"), shuffle=False)
    _extend_common(full.trainer)
    full.trainer.run()

    # Interrupted after 2 epochs, then resumed by a fresh process-like setup.
    first = task(out=tmp_path / "resumed", stop=(2, "epoch"), shuffle=False)
    _extend_common(first.trainer)
    first.trainer.extend(extensions.snapshot(autoload=True), trigger=(1, "epoch"))
    first.trainer.run()
    assert sorted(os.listdir(first.trainer.out)) == ["log", "snapshot_iter_3",
                                                      "snapshot_iter_6"]
    second = task(out=tmp_path / "resumed", stop=(4, "epoch"), shuffle=False)
    _extend_common(second.trainer)
    snap = extensions.snapshot(autoload=True)
    second.trainer.extend(snap, trigger=(1, "epoch"))
    second.trainer.run()

    assert snap.loaded_from == os.path.join(second.trainer.out, "snapshot_iter_6")
    assert second.updater.iteration == full.updater.iteration == 12
    a, b = _params(full.model), _params(second.model)
    for name in a:
        assert a[name].tobytes() == b[name].tobytes(), name
    assert second.optimizer.lr == full.optimizer.lr == 0.1 * 0.5 ** 4
    log_full = full.trainer.get_extension("LogReport").log
    log_resumed = second.trainer.get_extension("LogReport").log
    strip = [{k: v for k, v in e.items() if k != "elapsed_time"} for e in log_full]
    assert [{k: v for k, v in e.items() if k != "elapsed_time"} for e in log_resumed] == strip


def test_corrupted_newest_snapshot_falls_back_with_warning(task, tmp_path):
    first = task(out=tmp_path / "o", stop=(2, "epoch"))
    first.trainer.extend(extensions.snapshot(), trigger=(1, "epoch"))
    first.trainer.run()
    out = first.trainer.out
    newest = os.path.join(out, "snapshot_iter_6")
    with open(newest, "rb") as f:
        data = f.read()
    with open(newest, "wb") as f:
        f.write(data[:len(data) // 2])  # a crash in the middle of a (non-atomic) copy
    _touch_order(out, ["snapshot_iter_3", "snapshot_iter_6"])

    second = task(out=tmp_path / "o", stop=(2, "epoch"))
    snap = extensions.snapshot(autoload=True)
    second.trainer.extend(snap, trigger=(1, "epoch"))
    with pytest.warns(RuntimeWarning, match="snapshot_iter_6.*corrupted"):
        snap.initialize(second.trainer)
    assert snap.loaded_from == os.path.join(out, "snapshot_iter_3")
    assert second.updater.iteration == 3


def test_all_snapshots_corrupted_raises(task, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "snapshot_iter_1").write_bytes(b"PK\x03\x04 not really a zip")
    t = task(out=out)
    snap = extensions.snapshot(autoload=True)
    t.trainer.extend(snap)
    with pytest.warns(RuntimeWarning, match="snapshot_iter_1"):
        with pytest.raises(RuntimeError, match="no snapshot .* could be loaded"):
            snap.initialize(t.trainer)


def test_autoload_without_snapshots_starts_fresh(task):
    t = task()
    snap = extensions.snapshot(autoload=True)
    t.trainer.extend(snap)
    snap.initialize(t.trainer)
    assert snap.loaded_from is None and t.updater.iteration == 0


def test_newest_by_mtime_then_by_number(task, tmp_path):
    first = task(out=tmp_path / "o", stop=(4, "epoch"))
    first.trainer.extend(extensions.snapshot(), trigger=(1, "epoch"))
    first.trainer.run()
    out = first.trainer.out
    # Same modification time everywhere: the number decides (12 > 9 although "12" < "9").
    for name in os.listdir(out):
        os.utime(os.path.join(out, name), (1000, 1000))
    second = task(out=tmp_path / "o")
    snap = extensions.snapshot(autoload=True)
    second.trainer.extend(snap)
    snap.initialize(second.trainer)
    assert snap.loaded_from.endswith("snapshot_iter_12")


def test_n_retains_keeps_the_newest(task):
    t = task(stop=(5, "epoch"))
    t.trainer.extend(extensions.snapshot(n_retains=2), trigger=(1, "epoch"))
    t.trainer.run()
    assert sorted(os.listdir(t.trainer.out)) == ["snapshot_iter_12", "snapshot_iter_15"]


@pytest.mark.filterwarnings("ignore:Trainer.run. cannot create the output directory")
def test_unwritable_out_raises_at_initialize(task, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    t = task(out=blocker / "sub")
    t.trainer.extend(extensions.snapshot())
    calls = []
    t.updater.update = lambda: calls.append(1)
    with pytest.raises(OSError, match="snapshot: cannot write to the output directory"):
        t.trainer.run(show_loop_exception_msg=False)
    assert calls == []  # not a single iteration ran


def test_failed_save_leaves_previous_snapshot_intact(task, monkeypatch):
    t = task(stop=(1, "epoch"))
    snap = extensions.snapshot(filename="snap")
    t.trainer.extend(snap, trigger=(1, "epoch"))
    t.trainer.run()
    path = os.path.join(t.trainer.out, "snap")
    with open(path, "rb") as f:
        before = f.read()

    def broken(file, **arrays):
        file.write(b"PK partial")  # part of the archive reaches the disk, then it fails
        raise OSError("disk full")

    monkeypatch.setattr(numpy, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        snap(t.trainer)
    with open(path, "rb") as f:
        assert f.read() == before
    assert os.listdir(t.trainer.out) == ["snap"]


def test_snapshot_object_saves_the_model(task, tmp_path):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.snapshot_object(t.model, "model_{.updater.epoch}.npz"),
                     trigger=(1, "epoch"))
    t.trainer.run()
    assert sorted(os.listdir(t.trainer.out)) == ["model_1.npz", "model_2.npz"]
    other = task(out=tmp_path / "x")
    serializers.load_npz(os.path.join(t.trainer.out, "model_2.npz"), other.model)
    for name, value in _params(t.model).items():
        assert numpy.array_equal(value, _params(other.model)[name])


def test_state_is_captured_when_the_extension_runs(task):
    # A background writer must save the state of its own iteration.
    t = task(stop=(2, "epoch"))
    writer = snapshot_writers.ThreadQueueWriter()
    t.trainer.extend(extensions.snapshot_object(t.model, "m_{.updater.iteration}",
                                                writer=writer), trigger=(1, "epoch"))
    saved = {}

    @__import__("rechain").training.make_extension(trigger=(1, "epoch"), priority=-200)
    def remember(trainer):
        saved[trainer.updater.iteration] = _params(t.model)

    t.trainer.extend(remember)
    t.trainer.run()
    for it in (3, 6):
        with numpy.load(os.path.join(t.trainer.out, f"m_{it}")) as z:
            assert numpy.array_equal(z["predictor/W"], saved[it]["/predictor/W"])


@pytest.mark.parametrize("writer_class", [snapshot_writers.SimpleWriter,
                                          snapshot_writers.ThreadWriter,
                                          snapshot_writers.ThreadQueueWriter])
def test_writers_write_complete_files(task, writer_class):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.snapshot(writer=writer_class(), n_retains=1),
                     trigger=(1, "epoch"))
    t.trainer.run()
    assert os.listdir(t.trainer.out) == ["snapshot_iter_6"]
    with numpy.load(os.path.join(t.trainer.out, "snapshot_iter_6")) as z:
        assert int(z["updater/iteration"]) == 6


def test_background_writer_failure_is_raised():
    def failing(path, target):
        raise ValueError("cannot save")

    writer = snapshot_writers.ThreadWriter(savefun=failing)
    writer("x", "/tmp", {})
    with pytest.raises(RuntimeError, match="saving a snapshot failed: ValueError"):
        writer.finalize()


def test_snapshot_on_error(task):
    t = task(stop=(2, "epoch"))
    t.trainer.extend(extensions.snapshot(snapshot_on_error=True, filename="on_error"),
                     trigger=(100, "epoch"))

    def boom(trainer):
        if trainer.updater.iteration == 2:
            raise KeyError("boom")

    t.trainer.extend(boom)
    with pytest.raises(KeyError):
        t.trainer.run(show_loop_exception_msg=False)
    with numpy.load(os.path.join(t.trainer.out, "on_error")) as z:
        assert int(z["updater/iteration"]) == 2


def test_bad_arguments():
    with pytest.raises(TypeError, match="not both"):
        extensions.snapshot(savefun=serializers.save_npz,
                            writer=snapshot_writers.SimpleWriter())
    with pytest.raises(ValueError, match="autoload needs filename"):
        extensions.snapshot(filename=lambda tr: "x", autoload=True)

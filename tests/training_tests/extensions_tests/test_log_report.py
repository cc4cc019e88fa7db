import json
import os

import pytest

from rechain import serializers
from rechain.training import extensions
from rechain.training.extensions import log_report as log_report_module


def _run_fake(trainer, report, losses):
    for loss in losses:
        trainer.step({"main/loss": loss, "other": 10.0})
        report(trainer)


def test_log_entries_are_interval_means(fake_trainer):
    tr = fake_trainer(iters_per_epoch=2)
    report = extensions.LogReport(trigger=(1, "epoch"))
    report.initialize(tr)
    _run_fake(tr, report, [1.0, 3.0, 5.0, 9.0])
    path = os.path.join(tr.out, "log")
    with open(path) as f:
        log = json.load(f)
    assert log == report.log
    assert [e["main/loss"] for e in log] == [2.0, 7.0]
    assert [(e["epoch"], e["iteration"]) for e in log] == [(1, 2), (2, 4)]
    assert [e["elapsed_time"] for e in log] == [2.0, 4.0]
    assert log[0]["other"] == 10.0


def test_keys_postprocess_and_filename_format(fake_trainer):
    tr = fake_trainer(iters_per_epoch=2)

    def post(entry):
        entry["double"] = entry["main/loss"] * 2

    report = extensions.LogReport(keys=["main/loss"], trigger=(2, "iteration"),
                                  postprocess=post, filename="log_{iteration}.json")
    report.initialize(tr)
    _run_fake(tr, report, [1.0, 3.0])
    with open(os.path.join(tr.out, "log_2.json")) as f:
        (entry,) = json.load(f)
    assert "other" not in entry
    assert entry["double"] == 4.0


def test_log_name_none_writes_no_file(fake_trainer):
    tr = fake_trainer()
    report = extensions.LogReport(log_name=None, trigger=(1, "iteration"))
    report.initialize(tr)
    _run_fake(tr, report, [1.0])
    assert len(report.log) == 1
    assert not os.path.exists(tr.out) or os.listdir(tr.out) == []


def test_failed_write_leaves_previous_log_intact(fake_trainer, monkeypatch):
    tr = fake_trainer(iters_per_epoch=1)
    report = extensions.LogReport(trigger=(1, "iteration"))
    report.initialize(tr)
    _run_fake(tr, report, [1.0])
    path = os.path.join(tr.out, "log")
    with open(path, "rb") as f:
        before = f.read()

    real_dump = json.dump

    def broken_dump(obj, fp, **kwargs):
        text = json.dumps(obj, **kwargs)
        fp.write(text[:len(text) // 2])  # half the log reaches the file, then it fails
        fp.flush()
        raise OSError("disk full")

    monkeypatch.setattr(log_report_module.json, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        _run_fake(tr, report, [2.0])
    with open(path, "rb") as f:
        assert f.read() == before
    assert os.listdir(tr.out) == ["log"]  # no temporary file left behind
    monkeypatch.setattr(log_report_module.json, "dump", real_dump)
    _run_fake(tr, report, [3.0])
    with open(path) as f:
        assert [e["main/loss"] for e in json.load(f)] == [1.0, 2.0, 3.0]


def test_no_partial_file_is_ever_visible(fake_trainer, monkeypatch):
    # While the new log is being written, the destination still holds the old one.
    tr = fake_trainer(iters_per_epoch=1)
    report = extensions.LogReport(trigger=(1, "iteration"))
    report.initialize(tr)
    _run_fake(tr, report, [1.0])
    path = os.path.join(tr.out, "log")
    seen = []
    real_dump = json.dump

    def spying_dump(obj, fp, **kwargs):
        real_dump(obj, fp, **kwargs)
        with open(path) as f:
            seen.append(json.load(f))

    monkeypatch.setattr(log_report_module.json, "dump", spying_dump)
    _run_fake(tr, report, [2.0])
    assert [e["main/loss"] for e in seen[0]] == [1.0]


def test_unwritable_out_raises_at_initialize(fake_trainer, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    tr = fake_trainer()
    tr.out = str(blocker / "sub")  # a directory below a regular file cannot exist
    with pytest.raises(OSError, match="LogReport: cannot write to the output directory"):
        extensions.LogReport().initialize(tr)


@pytest.mark.parametrize("trigger", [(1, "epochs"), (1, "iter"), (0, "epoch")])
def test_bad_trigger_raises_at_once(trigger):
    with pytest.raises(ValueError):
        extensions.LogReport(trigger=trigger)


def test_filename_and_log_name_together():
    with pytest.raises(TypeError, match="not both"):
        extensions.LogReport(filename="a", log_name="b")


def test_serialize_round_trip(fake_trainer, tmp_path):
    tr = fake_trainer(iters_per_epoch=2)
    report = extensions.LogReport(trigger=(1, "epoch"))
    report.initialize(tr)
    _run_fake(tr, report, [1.0, 3.0, 5.0])  # one entry written, one value pending
    path = str(tmp_path / "s.npz")
    serializers.save_npz(path, report)
    loaded = extensions.LogReport(trigger=(1, "epoch"))
    serializers.load_npz(path, loaded)
    assert loaded.log == report.log
    tr2 = fake_trainer(iters_per_epoch=2)
    tr2.updater.iteration = 3
    loaded.initialize(tr2)
    _run_fake(tr2, loaded, [9.0])
    # The pending 5.0 was restored: the second entry averages 5 and 9.
    assert loaded.log[-1]["main/loss"] == 7.0


def test_real_trainer_writes_one_entry_per_epoch(task):
    t = task(stop=(3, "epoch"))
    t.trainer.extend(extensions.LogReport())
    t.trainer.run()
    with open(os.path.join(t.trainer.out, "log")) as f:
        log = json.load(f)
    assert [e["epoch"] for e in log] == [1, 2, 3]
    assert [e["iteration"] for e in log] == [3, 6, 9]
    assert all("main/loss" in e and "main/accuracy" in e for e in log)

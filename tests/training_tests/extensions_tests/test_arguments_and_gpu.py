"""Bad arguments raise when the extension is made; GPU runs of the extensions."""

import io
import os

import numpy
import pytest

from rechain import backend
from rechain.training import extensions
from rechain.training.extensions import snapshot_writers

_BAD_TRIGGERS = [(1, "epochs"), (2, "iter"), (0, "iteration"), "epoch", (1, "epoch", 2)]

_MAKERS = {
    "LogReport": lambda tr: extensions.LogReport(trigger=tr),
    "PlotReport": lambda tr: extensions.PlotReport(["main/loss"], trigger=tr),
    "MicroAverage": lambda tr: extensions.MicroAverage("a", "b", "c", trigger=tr),
    "ParameterStatistics": lambda tr: extensions.ParameterStatistics([], trigger=tr),
    "PeakMemory": lambda tr: extensions.PeakMemory(trigger=tr),
}


@pytest.mark.parametrize("name", sorted(_MAKERS))
@pytest.mark.parametrize("trigger", _BAD_TRIGGERS)
def test_bad_trigger_raises_when_made(name, trigger):
    with pytest.raises((ValueError, TypeError)):
        _MAKERS[name](trigger)


def test_unwritable_out_raises_at_initialize_for_every_writer(tmp_path, fake_trainer):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    tr = fake_trainer()
    tr.out = str(blocker / "sub")
    for ext, who in [(extensions.LogReport(), "LogReport"),
                     (extensions.snapshot(), "snapshot"),
                     (extensions.DumpGraph("main/loss"), "DumpGraph")]:
        with pytest.raises(OSError, match=f"{who}: cannot write to the output directory"):
            ext.initialize(tr)
    if extensions.PlotReport.available():
        with pytest.raises(OSError, match="PlotReport: cannot write"):
            extensions.PlotReport("main/loss").initialize(tr)


def test_evaluator_progress_bar(task, capsys):
    t = task()
    ev = extensions.Evaluator(t.valid_iter(batch_size=16), t.model, progress_bar=True)
    ev()
    err_out = capsys.readouterr().out
    assert "validation [" + "#" * 50 + "] 100.00%" in err_out
    assert "3 batches" in err_out


def test_process_writer(task):
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    t = task(stop=(1, "epoch"))
    t.trainer.extend(extensions.snapshot(writer=snapshot_writers.ProcessWriter()),
                     trigger=(1, "epoch"))
    t.trainer.run()
    with numpy.load(os.path.join(t.trainer.out, "snapshot_iter_3")) as z:
        assert int(z["updater/iteration"]) == 3


def test_print_report_needs_a_list():
    with pytest.raises(TypeError, match="list of keys"):
        extensions.PrintReport("epoch", out=io.StringIO())


@pytest.mark.gpu
def test_evaluator_and_peak_memory_on_gpu(task):
    from rechain import training
    t = task(stop=(1, "epoch"))
    t.model.to_gpu()
    t.updater = training.updaters.StandardUpdater(t.train_iter, t.optimizer, device=0)
    t.trainer = training.Trainer(t.updater, (1, "epoch"), out=t.trainer.out)
    t.trainer.extend(extensions.Evaluator(t.valid_iter(), t.model, device=0))
    t.trainer.extend(extensions.PeakMemory())
    t.trainer.extend(extensions.FailOnNonNumber())
    t.trainer.extend(extensions.ParameterStatistics(t.model))
    t.trainer.extend(extensions.LogReport())
    t.trainer.run()
    (entry,) = t.trainer.get_extension("LogReport").log
    assert entry["memory/peak_MiB"] > 0
    assert numpy.isfinite(entry["validation/main/loss"])
    assert backend.get_array_module(t.model.predictor.W.array) is not numpy

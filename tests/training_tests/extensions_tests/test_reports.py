import io
import os
import re

import pytest

from rechain.training import extensions
from rechain.training.extensions import plot_report
from rechain.training.extensions import progress_bar


# -- PrintReport -------------------------------------------------------------------

def test_print_report_table(fake_trainer):
    tr = fake_trainer(iters_per_epoch=1)
    log = extensions.LogReport(trigger=(1, "iteration"), log_name=None)
    out = io.StringIO()
    pr = extensions.PrintReport(["epoch", "main/loss", "missing"], log_report=log, out=out)
    for loss in (0.5, 0.25):
        tr.step({"main/loss": loss})
        pr(tr)
    lines = out.getvalue().splitlines()
    assert lines[0] == "epoch       main/loss   missing   "
    assert lines[1] == "1           0.5                     "
    assert lines[2] == "2           0.25                    "
    assert "\033" not in out.getvalue()  # no terminal codes into a non-terminal stream


def test_print_report_reads_named_log_report(task):
    t = task(stop=(2, "epoch"))
    out = io.StringIO()
    t.trainer.extend(extensions.LogReport())
    t.trainer.extend(extensions.PrintReport(["epoch", "iteration", "main/loss"], out=out))
    t.trainer.run()
    rows = out.getvalue().splitlines()
    assert [r.split()[:2] for r in rows[1:]] == [["1", "3"], ["2", "6"]]


def test_print_report_bad_log_report(fake_trainer):
    with pytest.raises(TypeError, match="log_report must be"):
        extensions.PrintReport(["epoch"], log_report=3, out=io.StringIO())(fake_trainer())


# -- ProgressBar -------------------------------------------------------------------

def _run_with_bar(task, stop, update_interval, out):
    t = task(stop=stop)
    t.trainer.extend(extensions.ProgressBar(update_interval=update_interval, out=out))
    t.trainer.run()
    return t


@pytest.mark.parametrize("stop", [(7, "iteration"), (2, "epoch")])
def test_plain_bar_reaches_total(task, monkeypatch, stop):
    monkeypatch.setattr(progress_bar, "_tqdm_class", lambda: None)
    out = io.StringIO()
    # 7 iterations (or 6) with a redraw every 4: the last regular redraw is at 4.
    _run_with_bar(task, stop, 4, out)
    totals = re.findall(r"total \[([#.]+)\]\s+([\d.]+)%", out.getvalue())
    assert float(totals[0][1]) < 100
    assert totals[-1] == ("#" * 50, "100.00")


@pytest.mark.parametrize("stop", [(7, "iteration"), (2, "epoch")])
def test_tqdm_bar_reaches_total(task, monkeypatch, stop):
    pytest.importorskip("tqdm")
    bars = []
    real = progress_bar._TqdmBar

    class Spy(real):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            bars.append(self)

        def close(self):
            self.final_n = self.n
            super().close()

    monkeypatch.setattr(progress_bar, "_TqdmBar", Spy)
    out = io.StringIO()
    _run_with_bar(task, stop, 4, out)
    (bar,) = bars
    assert bar.final_n == stop[0]
    assert "100%" in out.getvalue()


def test_bar_bad_arguments():
    with pytest.raises(ValueError, match="unit"):
        extensions.ProgressBar(training_length=(3, "epochs"))
    with pytest.raises(ValueError, match="update_interval"):
        extensions.ProgressBar(update_interval=0)


# -- PlotReport --------------------------------------------------------------------

def test_plot_report_writes_png(task):
    if not extensions.PlotReport.available():
        pytest.skip("matplotlib is not installed")
    t = task(stop=(2, "epoch"))
    pr = extensions.PlotReport(["main/loss"], "epoch", filename="loss.png")
    t.trainer.extend(pr)
    t.trainer.run()
    with open(os.path.join(t.trainer.out, "loss.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert [x for x, _ in pr._data["main/loss"]] == [1, 2]
    assert os.listdir(t.trainer.out) == ["loss.png"]


def test_plot_report_failed_save_keeps_old_png(task, monkeypatch):
    if not extensions.PlotReport.available():
        pytest.skip("matplotlib is not installed")
    from matplotlib.figure import Figure
    t = task(stop=(2, "epoch"))
    calls = []
    real = Figure.savefig

    def flaky(self, fname, **kw):
        calls.append(1)
        if len(calls) == 2:
            fname.write(b"\x89PNG half")
            raise OSError("disk full")
        return real(self, fname, **kw)

    monkeypatch.setattr(Figure, "savefig", flaky)
    t.trainer.extend(extensions.PlotReport(["main/loss"], "epoch"))
    path = os.path.join(t.trainer.out, "plot.png")
    with pytest.raises(OSError, match="disk full"):
        t.trainer.run(show_loop_exception_msg=False)
    with open(path, "rb") as f:
        data = f.read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 100
    assert os.listdir(t.trainer.out) == ["plot.png"]


def test_plot_report_without_matplotlib_warns(monkeypatch):
    monkeypatch.setattr(plot_report, "_available", False)
    with pytest.warns(UserWarning, match="matplotlib is not installed"):
        pr = extensions.PlotReport("main/loss")
    assert not pr.available()


def test_plot_report_bad_x_key():
    with pytest.raises(ValueError, match="x_key"):
        extensions.PlotReport(["main/loss"], x_key="epochs")


# -- VariableStatisticsPlot ----------------------------------------------------------

def test_variable_statistics_plot(task):
    if not extensions.VariableStatisticsPlot.available():
        pytest.skip("matplotlib is not installed")
    t = task(stop=(2, "epoch"))
    ext = extensions.VariableStatisticsPlot(t.model)
    t.trainer.extend(ext)
    t.trainer.run()
    with open(os.path.join(t.trainer.out, "statistics.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    idxs, data = ext._samples.get_data()
    assert list(idxs) == [1, 2, 3, 4, 5, 6]
    assert data.shape == (6, 2, 2 + 9)
    # The row of the last iteration is the statistics of the final parameters.
    import numpy
    values = numpy.concatenate([p.array.ravel() for p in t.model.params()])
    assert data[-1, 0, 0] == pytest.approx(values.mean(), rel=1e-5)
    assert data[-1, 0, 1] == pytest.approx(values.std(), rel=1e-5)
    assert data[-1, 0, 2] == pytest.approx(values.min(), rel=1e-5)
    assert data[-1, 0, -1] == pytest.approx(values.max(), rel=1e-5)


def test_reservoir_keeps_a_uniform_sample():
    from rechain.training.extensions.variable_statistics_plot import Reservoir
    import numpy
    counts = numpy.zeros(20)
    for seed in range(400):
        r = Reservoir(5, (), seed=seed)
        for i in range(20):
            r.add(float(i))
        idxs, data = r.get_data()
        assert list(data) == [float(i) for i in idxs]
        counts[idxs] += 1
    # Each of the 20 items is kept with probability 5/20: 100 times of 400 on average.
    assert counts.min() > 60 and counts.max() < 140


def test_variable_statistics_plot_bad_arguments():
    with pytest.raises(ValueError, match="no variables"):
        extensions.VariableStatisticsPlot([])
    with pytest.raises(TypeError, match="targets must be"):
        extensions.VariableStatisticsPlot(3)

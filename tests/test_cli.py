"""The rechain command, the demo and the README's CNN example."""

import io
import os
import subprocess
import sys

import numpy
import pytest

from rechain import cli
from rechain import demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_small_runs_are_identical_and_forget_saves_memory():
    out = io.StringIO()
    plain, forgot = demo.run_demo(progress=False, out=out, n_blocks=6, width=32,
                                  batch_size=128, epochs=2)
    numpy.testing.assert_array_equal(plain["losses"], forgot["losses"])
    assert len(plain["losses"]) == 23  # ceil(2 epochs * 1,437 examples / 128 per batch)
    assert forgot["peak_bytes"] < plain["peak_bytes"]
    text = out.getvalue()
    assert "largest difference between the runs' losses: 0\n" in text
    assert text.splitlines()[0].split()[:2] == ["run", "s/epoch"]


def test_demo_default_model_learns(monkeypatch):
    # Fewer epochs than the default, same network: the loss falls well below chance.
    result = demo.train("plain", n_blocks=32, epochs=3, progress=False)
    assert result["losses"][-1] < 0.5 * result["losses"][0]
    assert result["accuracy"] > 0.8


def test_cli_demo_runs_only_the_requested_run(capsys):
    assert cli.main(["demo", "--blocks", "2", "--width", "16", "--epochs", "1",
                     "--runs", "forget", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "forget" in out and "plain " not in out and "largest difference" not in out


@pytest.mark.parametrize("args, message", [
    (["demo", "--blocks", "0"], "must be positive"),
    (["demo", "--width", "x"], "expected an int"),
    (["demo", "--runs", "plain,fast"], "--runs takes a comma-separated list"),
    ([], "required"),
])
def test_cli_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_help_describes_demo(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    out = capsys.readouterr().out
    for flag in ("--blocks", "--width", "--batch-size", "--epochs", "--runs"):
        assert flag in out


def test_train_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 'plain', 'forget' or 'planned', not 'fast'"):
        demo.train("fast")


@pytest.mark.parametrize("flag", [[], ["--forget"]])
def test_cnn_example_trains(flag):
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_cnn.py"),
                          "--epochs", "3"] + flag, capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 3
    assert float(lines[-1].split()[-1]) > 0.85


def test_cli_plan_prints_plan_and_measured_peak(capsys):
    assert cli.main(["plan", "--blocks", "4", "--width", "64", "--batch", "128",
                     "--budget", "70%"]) == 0
    out = capsys.readouterr().out
    assert "Plan from 'optimal'" in out
    measured = [line for line in out.splitlines() if line.startswith("measured")]
    assert len(measured) == 1
    ratio = float(measured[0].split("(")[1].split()[0])
    assert 0.9 <= ratio <= 1.05


def test_cli_plan_reports_untraced_time_against_predicted(capsys):
    assert cli.main(["plan", "--blocks", "3", "--width", "32", "--batch", "64",
                     "--budget", "100%", "--repeat", "1"]) == 0
    measured = [line for line in capsys.readouterr().out.splitlines()
                if line.startswith("measured")]
    assert "of predicted, median of 1 untraced steps" in measured[0]


@pytest.mark.parametrize("model", ["resnet", "unet", "transformer", "lstm"])
def test_cli_plan_budget_for_models_that_are_not_chains(model, capsys):
    assert cli.main(["plan", "--model", model, "--size", "small", "--budget", "80%",
                     "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert f"{model} (small): plain step keeps" in out and "budget   : peak" in out
    assert "gradients: bitwise equal to the plain step's" in out
    assert " of the budget), evicted " in out    # how close: tests/test_zoo.py's to say


@pytest.mark.parametrize("args, message", [
    (["plan", "--model", "unet", "--size", "small", "--budget", "1B"], "--budget 1 B"),
    (["plan", "--model", "unet", "--planner", "sqrt"], "--planner is for chains"),
    (["plan", "--budget", "0.5"], "ambiguous"),
])
def test_cli_plan_budget_errors_are_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_plan_without_the_zoo_is_a_one_line_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "rechain.zoo", None)      # import fails
    with pytest.raises(SystemExit):
        cli.main(["plan", "--model", "resnet"])
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs rechain.zoo" in err


def test_cli_plan_hopeless_budget_fails_before_measuring(monkeypatch, capsys):
    from rechain import recompute
    measured = []
    monkeypatch.setattr(recompute, "measure", lambda *a, **k: measured.append(a))
    with pytest.raises(SystemExit) as info:
        cli.main(["plan", "--blocks", "3", "--width", "32", "--batch", "64",
                  "--budget", "16000"])
    assert info.value.code == 2 and measured == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "alone take 16384 bytes" in err


def test_cli_plan_infeasible_budget_says_smallest(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["plan", "--blocks", "3", "--width", "32", "--batch", "64",
                  "--budget", "1000", "--no-run"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "smallest feasible budget" in err and err.count("\n") == 1


@pytest.mark.parametrize("args, message", [
    (["plan", "--budget", "120%"], "a percentage must be in (0, 100]"),
    (["plan", "--model", "cnn"], "invalid choice"),
    (["demo", "--runs", "planned"], "needs --budget"),
])
def test_cli_plan_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_demo_planned_run_matches_plain():
    out = io.StringIO()
    results = demo.run_demo(runs=("plain", "planned"), progress=False, out=out, n_blocks=6,
                            width=32, batch_size=128, epochs=1, budget="60%")
    numpy.testing.assert_array_equal(results[0]["losses"], results[1]["losses"])
    assert results[1]["peak_bytes"] < results[0]["peak_bytes"]
    assert "plan of the 'planned' run" in out.getvalue()


# -- hardening (issue 12): one-line errors, exit status 2, before long work ----------------

def _rechain(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "rechain.cli", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd="/")


@pytest.mark.parametrize("args, message", [
    (["plan", "--planner", "segments:0"], "argument --planner: segments:K needs K >= 1, got 0"),
    (["plan", "--planner", "segments:x"], "segments:K needs an int K"),
    (["plan", "--planner", "fastest"], "unknown planner 'fastest'"),
    (["demo", "--budget", "-5%"], "a percentage must be in (0, 100]"),
    (["demo", "--budget", "-5"], "--budget"),
    (["demo", "--budget", "lots"], "cannot read 'lots' as a byte size"),
    (["demo", "--epochs", "0"], "must be positive"),
    (["demo", "--runs", "planned"], "the 'planned' run needs --budget"),
    ([], "required"),
])
def test_cli_errors_are_one_line_with_status_2(args, message):
    res = _rechain(*args)
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("rechain")
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_cli_revolve_on_the_measured_chain_is_a_one_line_error():
    res = _rechain("plan", "--planner", "revolve", "--blocks", "2", "--width", "8",
                   "--batch", "4", "--no-run")
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "rechain plan: error: revolve" in res.stderr and "--planner optimal" in res.stderr


def test_cli_demo_infeasible_budget_fails_before_training(monkeypatch, capsys):
    trained = []
    monkeypatch.setattr(demo, "train", lambda *a, **k: trained.append(a))
    with pytest.raises(SystemExit) as info:
        cli.main(["demo", "--budget", "1B", "--no-progress"])
    assert info.value.code == 2
    assert trained == []
    err = capsys.readouterr().err
    # measure's progress lines (after 2 s on a busy machine) are not errors
    err = "".join(line for line in err.splitlines(True) if not line.startswith("measure: "))
    assert err.count("\n") == 1
    assert "rechain demo: error: --budget: optimal: no plan fits a budget of 1 bytes" in err
    assert "smallest feasible budget" in err


def test_cli_version():
    import rechain
    res = _rechain("--version")
    assert res.returncode == 0
    assert res.stdout.strip() == f"rechain {rechain.__version__}"


def test_demo_progress_bars_reach_their_totals(monkeypatch):
    bars = []

    class Bar(demo._NoBar):
        def __init__(self, total, desc):
            self.total, self.n = total, 0
            bars.append(self)

        def update(self, n=1):
            self.n += n

    monkeypatch.setattr(demo, "_progress", lambda total, desc, enabled: Bar(total, desc))
    for epochs, batch in [(2, 128), (5, 270), (3, 256)]:
        r = demo.train("plain", n_blocks=1, width=8, batch_size=batch, epochs=epochs)
        assert bars[-1].n == bars[-1].total == len(r["losses"])
    assert [b.total for b in bars] == [23, 27, 17]


def test_demo_limits_blas_threads(monkeypatch):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = []
    real = demo._loop

    def spy(*a, **k):
        seen.extend(p["num_threads"] for p in threadpoolctl.threadpool_info()
                    if p["user_api"] == "blas")
        return real(*a, **k)

    monkeypatch.setattr(demo, "_loop", spy)
    demo.train("plain", n_blocks=1, width=8, batch_size=256, epochs=1, progress=False)
    assert seen and set(seen) == {1}


def test_demo_without_threadpoolctl_works_and_says_so(monkeypatch, capsys):
    import builtins
    real_import = builtins.__import__

    def no_threadpoolctl(name, *a, **k):
        if name == "threadpoolctl":
            raise ImportError("No module named 'threadpoolctl'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    results = demo.run_demo(runs=("plain",), progress=False, out=io.StringIO(), n_blocks=1,
                            width=8, batch_size=256, epochs=1)
    assert len(results[0]["losses"]) == 6
    err = capsys.readouterr().err
    assert err.count("threadpoolctl is not installed") == 1

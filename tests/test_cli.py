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


def test_cli_plan_infeasible_budget_says_smallest(capsys):
    assert cli.main(["plan", "--blocks", "3", "--width", "32", "--batch", "64",
                     "--budget", "1000", "--no-run"]) == 1
    assert "smallest feasible budget" in capsys.readouterr().err


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
                            width=32, batch_size=128, epochs=1, budget=0.6)
    numpy.testing.assert_array_equal(results[0]["losses"], results[1]["losses"])
    assert results[1]["peak_bytes"] < results[0]["peak_bytes"]
    assert "plan of the 'planned' run" in out.getvalue()

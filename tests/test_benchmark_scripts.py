"""The benchmark scripts that tests do not otherwise run: each runs, small, and
prints its table."""

import pathlib
import subprocess
import sys

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_deterministic_rerun_benchmark_runs():
    """benchmarks/budget_reruns.py prints what the budget re-runs per step."""
    script = BENCHMARKS / "budget_reruns.py"
    result = subprocess.run([sys.executable, str(script), "--models", "unet", "--fractions",
                             "0.5", "--batches", "1"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("| unet | 1/2 |"))
    ratio = float(row.split("|")[3])
    assert 0 < ratio < 0.8, row


def test_the_plain_python_tape_benchmark_runs():
    """benchmarks/overhead_tape.py (issue 10's floor of a graph in plain Python)."""
    script = BENCHMARKS / "overhead_tape.py"
    result = subprocess.run([sys.executable, str(script), "--iters", "50", "--repeat", "2"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = {line.split("|")[1].strip(): float(line.split("|")[2])
            for line in result.stdout.splitlines() if line.startswith("| ") and "µs" not in line
            and "---" not in line}
    assert rows["rechain"] > 0 and rows["Python tape"] > 0

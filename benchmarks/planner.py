"""Planner benchmark (issue 5): time/peak curves and predicted vs measured peaks.

Part 1: resmlp N=32 (width 512, batch 2048): store_all, segments(k) for several
k (sqrt among them) and the optimal plan at a range of budgets; each plan's
step time (median of --repeat) and peak (tracemalloc, one step) are measured
and plotted to benchmarks/planner_curve.png. Targets: at the peak of sqrt
segments the optimal plan is >= 10% faster; at its time it uses >= 25% less
memory.

Part 2: predicted against measured peak for resmlp N in --check (16, 32, 64)
at 5 budgets each.

Usage: python benchmarks/planner.py [--blocks 32] [--repeat 3] [--check 16,32,64]
"""

import argparse
import gc
import math
import os
import statistics
import time

import _common
import numpy

from rechain import demo
from rechain import memory
from rechain import recompute as R

HERE = os.path.dirname(os.path.abspath(__file__))


def _setup(n, width, batch):
    blocks = demo.build_chain("resmlp", n, width)
    x = numpy.random.default_rng(0).standard_normal((batch, width), dtype=numpy.float32)
    return blocks, x


def _step(blocks, x, plan):
    for b in blocks:
        if hasattr(b, "cleargrads"):
            b.cleargrads()
    R.run(blocks, x, plan).backward()


def run_plan(blocks, x, plan, repeat):
    """(median seconds per step, measured peak bytes) of one plan."""
    _step(blocks, x, plan)                     # warm-up
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        _step(blocks, x, plan)
        times.append(time.perf_counter() - t0)
    for b in blocks:
        if hasattr(b, "cleargrads"):
            b.cleargrads()
    gc.collect()
    with memory.track() as tracker:
        xi = x.copy()                          # the step's input counts, as in the model
        R.run(blocks, xi, plan).backward()
    return (statistics.median(times) if times else float("nan")), tracker.peak


def fastest_within_time(costs, time_limit, lo, hi):
    """The optimal plan of least predicted peak whose predicted time <= time_limit."""
    best = R.optimal(costs, hi)               # store_all's budget: always in time
    for _ in range(12):                        # bisection on the budget
        mid = (lo + hi) // 2
        try:
            plan = R.optimal(costs, mid)
        except R.InfeasibleBudget:
            lo = mid
            continue
        if plan.predicted_time <= time_limit:
            best, hi = plan, mid
        else:
            lo = mid
    return best


def curve(n, width, batch, repeat):
    blocks, x = _setup(n, width, batch)
    costs = R.measure(blocks, x, repeat=1)
    full = R.store_all(costs)
    try:
        R.optimal(costs, 1)
    except R.InfeasibleBudget as e:
        least = e.min_budget
    rows = []

    def add(kind, plan):
        t, peak = run_plan(blocks, x, plan, repeat)
        rows.append(dict(kind=kind, plan=plan, time=t, peak=peak))
        print(f"  {kind:<14} predicted {plan.predicted_peak / 2**20:7.1f} MiB "
              f"{plan.predicted_time:6.3f} s | measured {peak / 2**20:7.1f} MiB {t:6.3f} s",
              flush=True)

    print(f"resmlp N={n} width={width} batch={batch}:")
    add("store_all", full)
    k_sqrt = math.ceil(math.sqrt(n))
    for k in sorted({2, 3, 4, k_sqrt, 8, 12}):
        if k <= n:
            add("sqrt" if k == k_sqrt else f"segments({k})", R.segments(k)(costs))
    for frac in numpy.linspace(0.0, 1.0, 9)[:-1]:
        budget = int(least + frac * (full.predicted_peak - least))
        add("optimal", R.optimal(costs, budget))

    sqrt_row = next(r for r in rows if r["kind"] == "sqrt")
    at_peak = R.optimal(costs, sqrt_row["plan"].predicted_peak)
    t_at_peak, p_at_peak = run_plan(blocks, x, at_peak, repeat)
    at_time = fastest_within_time(costs, sqrt_row["plan"].predicted_time, least,
                                  full.predicted_peak)
    t_at_time, p_at_time = run_plan(blocks, x, at_time, repeat)
    summary = dict(sqrt_time=sqrt_row["time"], sqrt_peak=sqrt_row["peak"],
                   opt_time_at_sqrt_peak=t_at_peak, opt_peak_at_sqrt_peak=p_at_peak,
                   opt_time_at_sqrt_time=t_at_time, opt_peak_at_sqrt_time=p_at_time,
                   store_all_time=rows[0]["time"], store_all_peak=rows[0]["peak"])
    return rows, summary


def plot(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    opt = sorted((r for r in rows if r["kind"] == "optimal"), key=lambda r: r["peak"])
    seg = sorted((r for r in rows if r["kind"].startswith("segments") or r["kind"] == "sqrt"),
                 key=lambda r: r["peak"])
    ax.plot([r["peak"] / 2**20 for r in opt], [r["time"] for r in opt], "o-",
            label="optimal (Rotor DP)")
    ax.plot([r["peak"] / 2**20 for r in seg], [r["time"] for r in seg], "s--",
            label="segments(k) (checkpoint_sequential)")
    for r in seg:
        if r["kind"] == "sqrt":
            ax.annotate("sqrt", (r["peak"] / 2**20, r["time"]), textcoords="offset points",
                        xytext=(5, 5))
    sa = rows[0]
    ax.plot([sa["peak"] / 2**20], [sa["time"]], "k*", markersize=12, label="store_all")
    ax.set_xlabel("measured peak memory of a step (MiB)")
    ax.set_ylabel("seconds per step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def check(sizes, width, batch):
    print("predicted vs measured peak:")
    out = []
    for n in sizes:
        blocks, x = _setup(n, width, batch)
        costs = R.measure(blocks, x, repeat=1)
        full = R.store_all(costs).predicted_peak
        for frac in (1.0, 0.85, 0.7, 0.6, 0.5, 0.45):
            try:
                plan = R.optimal(costs, int(full * frac))
            except R.InfeasibleBudget:
                continue
            _, peak = run_plan(blocks, x, plan, 0)
            ratio = peak / plan.predicted_peak
            out.append((n, frac, plan.predicted_peak, peak, ratio))
            print(f"  N={n:3d} budget {frac:4.0%} of store_all: predicted "
                  f"{plan.predicted_peak / 2**20:7.1f} MiB, measured {peak / 2**20:7.1f} MiB, "
                  f"ratio {ratio:.3f}", flush=True)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--blocks", type=int, default=32)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--check", default="16,32,64")
    a = p.parse_args()
    rows, s = curve(a.blocks, a.width, a.batch, a.repeat)
    if (a.blocks, a.width, a.batch) == (32, 512, 2048):   # the figure RESULTS.md shows
        path = os.path.join(HERE, "planner_curve.png")
    else:                                                  # other sizes: not committed
        os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
        path = os.path.join(HERE, "out", f"planner_curve_{a.blocks}_{a.width}_{a.batch}.png")
    plot(rows, path, f"resmlp N={a.blocks}: time against peak memory")
    print(f"plot: {path}")
    print(f"at the peak of sqrt ({s['sqrt_peak'] / 2**20:.1f} MiB, {s['sqrt_time']:.3f} s): "
          f"optimal {s['opt_peak_at_sqrt_peak'] / 2**20:.1f} MiB, "
          f"{s['opt_time_at_sqrt_peak']:.3f} s "
          f"({(s['sqrt_time'] / s['opt_time_at_sqrt_peak'] - 1) * 100:+.1f}% speed)")
    print(f"at the time of sqrt: optimal {s['opt_peak_at_sqrt_time'] / 2**20:.1f} MiB, "
          f"{s['opt_time_at_sqrt_time']:.3f} s "
          f"({(1 - s['opt_peak_at_sqrt_time'] / s['sqrt_peak']) * 100:.1f}% less memory)")
    print(f"store_all: {s['store_all_peak'] / 2**20:.1f} MiB, {s['store_all_time']:.3f} s "
          f"(sqrt costs {(s['sqrt_time'] / s['store_all_time'] - 1) * 100:+.1f}% time over it)")
    if a.check:
        check([int(v) for v in a.check.split(",")], a.width, a.batch)


if __name__ == "__main__":
    main()

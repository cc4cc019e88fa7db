"""Can the chain planner be trusted? Predicted against measured, on resmlp.

For a resmlp chain (the blocks of ``rechain plan``, with its loss as the
last block) this script reports:

- the cost of ``rechain.recompute.measure`` against one training step
  (target: at most 3 steps);
- for each budget, the plan of ``optimal``, its predicted time and peak,
  and the measured ones: time the median of ``--repeat`` untraced steps
  (interleaved with the baselines' steps so that a busy machine slows
  them alike), peak one traced step (target: time within 10%);
- the baselines store-all, forget-every-block and segments(k): the
  planned run must not be beaten in predicted *and* measured time by one
  of them at the same or a lower peak;
- the ratio again with a time per byte of peak (plan.py, Note [time
  model]) fitted on the measured forget-every-block step ("fitted");
- per run, the predicted over the measured peak ("peak r"; issue 10:
  within 2%).

Modes:

- ``--lean``: the chain is built from ``demo.ResBlock(width, lean=True)``
  (``L.BatchNormalizationReLU`` and ``F.lean_apply``: one array of ``h``'s
  size less kept per block) in place of the plain resmlp blocks, with the
  same seed; only for ``--model resmlp``.
- ``--peaks-only``: no timed step: the plain-step timing and the
  ``--repeat`` interleaved steps are skipped, the peaks are measured as
  always (one traced step per run) and the time columns read "-" where a
  measured time would be (the predicted time is still printed; the
  dominance check, which needs measured times, is skipped). Peaks are
  tracemalloc bytes, deterministic, so this mode is valid on a busy
  machine; ``measure`` still times its blocks (the plans need times).

Timings are wall-clock, single-threaded BLAS (set by ``_common``); tests
assert none of this (tests assert only bytes).

Usage:
    python benchmarks/plan_accuracy.py [--blocks 32] [--width 512] [--batch 2048]
        [--budgets 100%,60%,50%,40%,30%] [--repeat 5] [--lean] [--peaks-only]
"""

import argparse
import gc
import importlib
import statistics
import time

import _common  # noqa: F401  (single-threaded BLAS, sys.path)

import numpy  # noqa: E402

import rechain  # noqa: E402
from rechain import demo  # noqa: E402
from rechain import recompute as R  # noqa: E402
from rechain.recompute import apply  # noqa: E402
from rechain.recompute import plan as plan_lib  # noqa: E402
from rechain.recompute import planners  # noqa: E402


def step(blocks, x, schedule):
    for b in blocks:
        if hasattr(b, "cleargrads"):
            b.cleargrads()
    R.run(blocks, x.copy(), schedule).backward()


CLOCK = time.perf_counter


def timed(blocks, x, schedule):
    gc.collect()
    t0 = CLOCK()
    step(blocks, x, schedule)
    return CLOCK() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="resmlp", choices=("resmlp", "mlp"))
    p.add_argument("--blocks", type=int, default=32)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--budgets", default="100%,60%,50%,40%,30%")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="wall: time.perf_counter (what a user waits); cpu: time.process_time, "
                        "for a busy machine (BLAS is single-threaded here, so the two agree "
                        "on an idle one); measure's timed runs use the same clock")
    p.add_argument("--lean", action="store_true",
                   help="resmlp from lean blocks: demo.ResBlock(width, lean=True)")
    p.add_argument("--peaks-only", action="store_true",
                   help="skip the timed steps; measure only the peaks (deterministic bytes)")
    a = p.parse_args()
    if a.lean and a.model != "resmlp":
        p.error(f"--lean: only for --model resmlp, got --model {a.model}")
    global CLOCK
    if a.clock == "cpu":
        CLOCK = time.process_time
        importlib.import_module("rechain.recompute.measure")._clock = time.process_time

    blocks = demo.build_chain(a.model, a.blocks, a.width)
    if a.lean:      # the same seed and loss as build_chain, lean blocks
        rechain.random.seed(0)
        blocks = [demo.ResBlock(a.width, lean=True) for _ in range(a.blocks)] + blocks[-1:]
    x = numpy.random.default_rng(0).standard_normal((a.batch, a.width), dtype=numpy.float32)
    n = len(blocks)
    store = tuple(range(n))
    step(blocks, x, store)                                     # warm up
    plain = None
    if not a.peaks_only:
        plain = statistics.median(timed(blocks, x, store) for _ in range(3))
    t0 = CLOCK()
    costs = R.measure(blocks, x, progress=False)
    cost = CLOCK() - t0
    model = a.model + (" (lean blocks)" if a.lean else "")
    if plain is None:
        print(f"# {model} N={a.blocks} width={a.width} batch={a.batch}, {a.clock} clock, "
              f"peaks only (no timed step); measure {cost:.2f} s")
    else:
        print(f"# {model} N={a.blocks} width={a.width} batch={a.batch}, {a.clock} clock: one "
              f"plain step {plain:.3f} s; measure {cost:.2f} s = {cost / plain:.2f} steps "
              f"(target <= 3)")

    forget_all = tuple(plan_lib.Segment(i, i + 1) for i in range(n))
    baselines = {"store_all": store, "forget every block": forget_all}
    for k in (2, 4, 6, 8):
        baselines[f"segments({k})"] = planners.segments(k)(costs).schedule
    rows = []
    for text in a.budgets.split(","):
        budget = apply.resolve_budget(apply.parse_budget(text.strip()), costs)
        try:
            plan = R.optimal(costs, budget)
        except R.InfeasibleBudget as e:
            print(f"{text}: {e}")
            continue
        rows.append((text, "optimal", plan.schedule))
    named = [(None, name, s) for name, s in baselines.items()]
    runs = rows + named
    samples = [[] for _ in runs]
    for _ in range(0 if a.peaks_only else a.repeat):          # interleaved
        for k, (_, _, schedule) in enumerate(runs):
            samples[k].append(timed(blocks, x, schedule))
    measured = {}
    for (text, name, schedule), times in zip(runs, samples):
        pred_peak, pred_time = planners.evaluate(costs, schedule)
        peak = _common.peak_bytes(lambda: step(blocks, x, schedule))
        measured[(text, name)] = (pred_peak, pred_time, peak,
                                  statistics.median(times) if times else None)
    # Note [time model] of rechain/recompute/plan.py: a rate per byte of the
    # peak, fitted on the measured forget-every-block step, applied to all
    fa_peak, fa_time, _, fa_meas = measured[(None, "forget every block")]
    if fa_meas is not None:
        rate = max(fa_meas - fa_time, 0.0) / max(fa_peak - costs.const_bytes, 1)
        print(f"# fitted on forget every block: {rate * 2**20 * 1e3:.3f} ms per MiB of peak")
    print(f"{'budget':>7} {'run':<20} {'pred s':>8} {'meas s':>8} {'ratio':>6} "
          f"{'fitted':>7} {'pred MiB':>9} {'meas MiB':>9} {'peak r':>7}")
    worst = 1.0
    for (text, name, _), _ in zip(runs, samples):
        pred_peak, pred_time, peak, meas = measured[(text, name)]
        ratio = pred_peak / peak
        if abs(ratio - 1) > abs(worst - 1):
            worst = ratio
        if meas is None:
            times = f"{'-':>8} {'-':>6} {'-':>7}"
        else:
            fitted = pred_time + rate * (pred_peak - costs.const_bytes)
            times = f"{meas:8.3f} {pred_time / meas:6.3f} {fitted / meas:7.3f}"
        print(f"{text or '':>7} {name:<20} {pred_time:8.3f} {times} "
              f"{pred_peak / 2**20:9.1f} {peak / 2**20:9.1f} {ratio:7.4f}")
    print(f"# worst predicted/measured peak: {worst:.4f} (target within 2%)")
    if a.peaks_only:
        return
    for text, _, _ in rows:
        pp, pt, mp, mt = measured[(text, "optimal")]
        for (t2, name), (bp, bt, bmp, bmt) in measured.items():
            if t2 is None and bp <= pp and bt < pt and bmt < mt:
                print(f"DOMINATED at {text}: {name} predicts {bt:.3f} s / {bp / 2**20:.1f} MiB "
                      f"and measures {bmt:.3f} s")


if __name__ == "__main__":
    main()

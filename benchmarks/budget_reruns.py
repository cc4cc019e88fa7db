"""Re-run work of the memory budget, deterministically (issue 11).

Step times on a shared machine move by up to +-0.1 of a ratio from run to run;
what the budget re-runs does not. For each model of rechain.zoo that is not a
chain (bench size) and each fraction of the plain run's saved activations, a
few training batches are run forward and backward under
``rechain.recompute.budget``, and printed per step:

- re-run cost / forward cost: the op costs the budget charged for the ops
  backward re-ran, over those of the forward pass (``op_cost``: matmul flops,
  4 per element anything else touches, 1M per re-run), so 0.5 means half a
  forward pass re-run;
- ops re-run, rebuilt arrays dropped from the memo, and the peak of saved
  arrays over the limit.

Takes a few seconds; use it to compare eviction rules before timing them
with benchmarks/budget.py.

    python benchmarks/budget_reruns.py
    python benchmarks/budget_reruns.py --models unet --fractions 0.5
"""

import argparse

import _common  # noqa: F401  (single-threaded BLAS, before NumPy)

import rechain
from rechain import recompute as R
from rechain import zoo

import budget as _budget  # benchmarks/budget.py: the plain run's saved bytes


def measure(name, fractions, batches):
    model, batch_fn, loss_fn = zoo.make(name, "bench", seed=0)
    plain = max(_budget.plain_saved_bytes(model, loss_fn, batch_fn(s), 0)
                for s in range(batches))
    rows = []
    for f in fractions:
        limit = int(plain * f)
        rerun = fwd = ran = drops = 0
        peak = 0.0
        for s in range(batches):
            batch = batch_fn(s)
            rechain.random.seed(s)
            with R.budget(limit) as b:
                loss = loss_fn(model, *batch)
                model.cleargrads()
                loss.backward()
            rerun += b._rerun_cost
            fwd += b._fwd_cost
            ran += b.stats["recomputations"]
            drops += b.stats["memo_drops"]
            peak = max(peak, b.stats["peak_saved_bytes"] / limit)
        rows.append((name, f, rerun / fwd, ran / batches, drops / batches, peak))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=",".join(zoo.NON_CHAIN))
    p.add_argument("--fractions", default="0.5,0.3333333")
    p.add_argument("--batches", type=int, default=4)
    a = p.parse_args(argv)
    fractions = [float(v) for v in a.fractions.split(",") if v]
    print("| model | budget | re-run cost / forward cost | ops re-run | memo drops | "
          "peak saved / limit |")
    print("|---|---|---:|---:|---:|---:|")
    for name in [m for m in a.models.split(",") if m]:
        if name not in zoo.NON_CHAIN:
            p.error(f"--models: {name!r} is not one of {', '.join(zoo.NON_CHAIN)}")
        for name, f, ratio, ran, drops, peak in measure(name, fractions, a.batches):
            print(f"| {name} | 1/{round(1 / f)} | {ratio:.3f} | {ran:.0f} | {drops:.0f} | "
                  f"{peak:.2f} |", flush=True)


if __name__ == "__main__":
    main()

"""How long ``rechain.recompute.planners.optimal`` takes to plan a chain.

The design asks for 200 blocks in under 2 s. This script builds a random
heterogeneous chain (fixed seed) and a homogeneous one, plans each at a few
budgets between the least feasible one and the store-all peak, and prints the
wall-clock time of each call (best of ``--repeat``), with the plan's predicted
slowdown against store-all.

Usage:
    python benchmarks/planner_speed.py [--blocks 200] [--slots 500] [--repeat 3]
"""

import argparse
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from rechain.recompute import costs as costs_lib  # noqa: E402
from rechain.recompute import planners  # noqa: E402

MiB = 1 << 20


def heterogeneous_chain(n, seed=0):
    """Blocks of 1-8 MiB outputs, 0-16 MiB saved, 0-4 MiB workspace and
    0-2 MiB of parameter gradients."""
    rng = random.Random(seed)
    blocks = [costs_lib.BlockCost(rng.uniform(1e-3, 3e-3), rng.uniform(2e-3, 6e-3),
                                  rng.randint(1, 8) * MiB, rng.randint(0, 16) * MiB,
                                  rng.randint(0, 4) * MiB, rng.randint(0, 2) * MiB)
              for _ in range(n)]
    return costs_lib.ChainCosts(4 * MiB, blocks, const_bytes=50 * MiB)


def homogeneous_chain(n):
    """A resmlp-like chain: 4 MiB activations, 12 MiB saved and 2 MiB of
    parameter gradients per block."""
    return costs_lib.ChainCosts.uniform(n, 2e-3, 4e-3, out_bytes=4 * MiB, saved_bytes=12 * MiB,
                                        grad_bytes=2 * MiB, const_bytes=50 * MiB)


def least_budget(costs, slots):
    try:
        planners.optimal(costs, 0, slots=slots)
    except planners.InfeasibleBudget as error:
        return error.min_budget
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--slots", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"optimal planner, {args.blocks} blocks, {args.slots} slots, best of {args.repeat}")
    worst = 0.0
    for label, costs in (("heterogeneous", heterogeneous_chain(args.blocks)),
                         ("homogeneous", homogeneous_chain(args.blocks))):
        base = planners.store_all(costs)
        low = least_budget(costs, args.slots)
        for frac in (0.1, 0.3, 0.6, 0.9):
            budget = int(low + frac * (base.predicted_peak - low))
            best = float("inf")
            for _ in range(args.repeat):
                start = time.perf_counter()
                plan = planners.optimal(costs, budget, slots=args.slots)
                best = min(best, time.perf_counter() - start)
            worst = max(worst, best)
            print(f"  {label:13s} budget {budget / MiB:8.1f} MiB  plan in {best:6.3f} s  "
                  f"peak {plan.predicted_peak / MiB:8.1f} MiB  "
                  f"time x{plan.predicted_time / base.predicted_time:.3f} of store_all")
    print(f"slowest: {worst:.3f} s")


if __name__ == "__main__":
    main()

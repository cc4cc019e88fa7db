"""Tests of the recomputation planners: costs, plans, the simulator, planners.

The reference for every number is ``plan.simulate``, the step-by-step walk of
the memory model. ``optimal`` is checked against exhaustive search over every
schedule of nested forget regions: literally (each schedule simulated) up to
6 blocks, and for 7 and 8 blocks by composing the peaks and times of
sub-schedules (``_Exhaustive``), itself checked against the simulator on every
schedule of up to 5 blocks.
"""

import functools
import math
import pathlib
import random
import subprocess
import sys

import numpy
import pytest

from rechain.recompute import costs as costs_lib
from rechain.recompute import plan as plan_lib
from rechain.recompute import planners
from rechain.recompute.planners import binomial, evaluation, rotor

BlockCost = costs_lib.BlockCost
ChainCosts = costs_lib.ChainCosts
Segment = plan_lib.Segment
simulate = plan_lib.simulate
MiB = 1 << 20
ROOT = pathlib.Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------
# helpers


def random_chain(rng, n, max_bytes=12, const_bytes=None):
    """A heterogeneous chain with small integer sizes and random times.

    One block in four has a workspace larger than anything it keeps; one in
    two has parameter gradients; one in two has a measured re-run backward
    transient (``rerun_bwd_bytes``), anywhere from 0 to above the plain rule;
    one in three each keeps another amount in a re-run
    (``rerun_saved_bytes``, from 0 to twice the most), has a measured peak
    as a re-run's last item (``rerun_last_bytes``) and a top-level backward
    transient of its own (``top_bwd_bytes``) (memory model rule 9).
    """
    def temp():
        if rng.random() < 0.25:
            return rng.randint(0, 3 * max_bytes)
        return rng.randint(0, max_bytes // 4)

    def grads():
        return rng.randint(0, 2 * max_bytes) if rng.random() < 0.5 else 0

    def rerun():
        return rng.randint(0, 3 * max_bytes) if rng.random() < 0.5 else None

    def maybe(top):
        return rng.randint(0, top) if rng.random() < 1 / 3 else None

    blocks = [BlockCost(rng.uniform(0.1, 2.0), rng.uniform(0.1, 3.0), rng.randint(0, max_bytes),
                        rng.randint(0, max_bytes), temp(), grads(), rerun(),
                        maybe(2 * max_bytes), maybe(4 * max_bytes), maybe(3 * max_bytes))
              for _ in range(n)]
    if const_bytes is None:
        const_bytes = rng.randint(0, 5)
    return ChainCosts(rng.randint(0, max_bytes), blocks, const_bytes)


def random_items(rng, lo, hi, depth=0):
    """A random schedule of blocks lo..hi-1 (any nesting, wasteful ones too)."""
    items, i = [], lo
    while i < hi:
        if depth > 4 or rng.random() < 0.5:
            items.append(i)
            i += 1
        else:
            j = rng.randint(i + 1, hi)
            items.append(Segment(i, j, random_items(rng, i, j, depth + 1)))
            i = j
    return items


@functools.lru_cache(maxsize=None)
def all_schedules(lo, hi, inner=False):
    """Every schedule of blocks lo..hi-1, in a fixed order.

    A region's inner schedule (``inner``) may not be that same region again
    (the only restriction, needed for the enumeration to be finite); every
    other schedule is listed, wasteful ones included.
    """
    out = []
    for m in range(lo + 1, hi + 1):
        firsts = [lo] if m == lo + 1 else []
        if not (inner and m == hi):
            firsts += [Segment(lo, m, s) for s in all_schedules(lo, m, True)]
        for first in firsts:
            if m == hi:
                out.append((first,))
            else:
                out.extend((first,) + rest for rest in all_schedules(m, hi, False))
    return tuple(out)


class _Exhaustive:
    """Peak and time of every schedule of ``all_schedules(0, n)``, as arrays.

    Composition instead of simulation, so that 8 blocks stay cheap. In a
    re-run, a schedule's first item keeps a fixed set of arrays while the
    rest of its range runs, then frees it: peaks compose by max and shift,
    times by sum; the top level composes the same way (see ``top``). A re-run does not run its trailing
    region (note "early stop" in plan.py). Arrays follow the order of
    ``all_schedules``; peaks are relative to the chain input plus the
    constant. ``G[k]`` is what backward holds on reaching ``h_k``: its
    gradient and the parameter gradients of blocks k..n-1.
    """

    def __init__(self, costs):
        self.n = costs.n
        self.A = [costs.input_bytes] + [b.out_bytes for b in costs.blocks]
        self.S = [b.saved_bytes for b in costs.blocks]
        self.T = [b.temp_bytes for b in costs.blocks]
        self.W = [b.grad_bytes for b in costs.blocks]
        self.F = [b.fwd_time for b in costs.blocks]
        self.B = [b.bwd_time for b in costs.blocks]
        # backward transient of a block stored in a re-run (rule 6) and at
        # top level (rule 9); what it keeps in a re-run, its peak as the last
        # item of one (rule 9)
        self.R = [self.A[i] + self.W[i] + self.T[i] if b.rerun_bwd_bytes is None
                  else max(b.rerun_bwd_bytes, self.A[i] + self.W[i])
                  for i, b in enumerate(costs.blocks)]
        self.Rt = [self.R[i] if b.top_bwd_bytes is None
                   else max(b.top_bwd_bytes, self.A[i] + self.W[i])
                   for i, b in enumerate(costs.blocks)]
        self.Sr = [b.saved_bytes if b.rerun_saved_bytes is None else b.rerun_saved_bytes
                   for b in costs.blocks]
        self.L = [max(self.A[i + 1] + self.Sr[i] + self.T[i], self.Sr[i] + self.R[i])
                  if b.rerun_last_bytes is None
                  else max(b.rerun_last_bytes, self.Sr[i], self.A[i] + self.W[i] - self.A[i + 1])
                  for i, b in enumerate(costs.blocks)]
        self.G = [self.A[k] + sum(self.W[k:]) for k in range(self.n + 1)]
        self.base = costs.const_bytes + costs.input_bytes
        self.memo = {}

    def phi(self, lo, m):
        A, S, T = self.A, self.S, self.T
        return max((A[j] if j > lo else 0) + A[j + 1] + S[j] + T[j] for j in range(lo, m))

    def firsts(self, lo, hi, inner):
        """Each possible first item of a schedule of lo..hi-1: (stop, region?)."""
        for m in range(lo + 1, hi + 1):
            if m == lo + 1:
                yield m, False
            if not (inner and m == hi):
                yield m, True

    def rerun(self, lo, hi, inner=False):
        """(peaks above the base, times) of every schedule re-run over lo..hi-1."""
        key = ("rerun", lo, hi, inner)
        if key not in self.memo:
            A, T, W, G, F, B = self.A, self.T, self.W, self.G, self.F, self.B
            S = self.Sr                  # a stored block keeps this in a re-run
            peaks, times = [], []
            for m, region in self.firsts(lo, hi, inner):
                last = m == hi
                if not last:
                    rest_peak, rest_time = self.rerun(m, hi)
                if not region:                                # stored block lo
                    i = lo
                    fwd = A[i + 1] + S[i] + T[i]
                    back = self.R[i]     # g_i and parameter gradients appear
                    if last:
                        peaks.append(numpy.array([self.L[i]]))
                        times.append(numpy.array([F[i] + B[i]]))
                    else:
                        bwd = S[i] + G[i + 1] - G[hi] + back
                        peaks.append(numpy.maximum(
                            numpy.maximum(fwd, S[i] + A[i + 1] + rest_peak), bwd))
                        times.append(F[i] + B[i] + rest_time)
                else:                                         # region lo..m-1
                    inner_peak, inner_time = self.rerun(lo, m, True)
                    phi, forward = self.phi(lo, m), sum(F[lo:m])
                    if last:                  # the re-run stops before running it
                        peaks.append(inner_peak)
                        times.append(inner_time)
                    else:
                        peaks.append(numpy.maximum(
                            numpy.maximum(phi, A[m] + rest_peak[None, :]),
                            G[m] - G[hi] + inner_peak[:, None]).ravel())
                        times.append((forward + inner_time[:, None] + rest_time[None, :]).ravel())
            self.memo[key] = numpy.concatenate(peaks), numpy.concatenate(times)
        return self.memo[key]

    def top(self, lo):
        """(peaks above the base, times) of every top-level schedule of lo..n-1.

        As in a re-run, what an item keeps is freed after its backward; unlike
        a re-run, no gradient exists during the forward pass, ``h_n`` stays
        alive (the loss holds it), and a trailing region runs forward.
        """
        key = ("top", lo)
        if key not in self.memo:
            A, S, T, G, F, B, n = self.A, self.S, self.T, self.G, self.F, self.B, self.n
            peaks, times = [], []
            for m, region in self.firsts(lo, n, False):
                last = m == n
                if last:
                    rest_peak, rest_time = numpy.array([G[n]]), numpy.array([0.0])
                else:
                    rest_peak, rest_time = self.top(m)
                if not region:
                    i = lo
                    fwd = A[i + 1] + S[i] + T[i]
                    bwd = S[i] + A[n] + G[i + 1] + self.Rt[i]
                    peaks.append(numpy.maximum(numpy.maximum(fwd, S[i] + A[i + 1] + rest_peak),
                                               bwd))
                    times.append(F[i] + B[i] + rest_time)
                else:
                    inner_peak, inner_time = self.rerun(lo, m, True)
                    phi, forward = self.phi(lo, m), sum(F[lo:m])
                    peaks.append(numpy.maximum(
                        numpy.maximum(phi, A[m] + rest_peak[None, :]),
                        A[n] + G[m] + inner_peak[:, None]).ravel())
                    times.append((forward + inner_time[:, None] + rest_time[None, :]).ravel())
            self.memo[key] = numpy.concatenate(peaks), numpy.concatenate(times)
        return self.memo[key]

    def all(self):
        """(absolute peaks, times) of every schedule of the chain."""
        peaks, times = self.top(0)
        return peaks + self.base, times


def best_time(peaks, times, budget):
    fits = peaks <= budget
    return times[fits].min() if fits.any() else math.inf


def distinct_budgets(rng, peaks, ceiling, count):
    """Budgets to test: the achievable peaks below ``ceiling``, and between."""
    values = sorted({int(p) for p in peaks if p < ceiling})
    if len(values) > count:
        values = [values[0]] + rng.sample(values[1:], count - 1)
    return values + [rng.randint(values[0], ceiling - 1) for _ in range(3)] if values else []


def flatten(schedule, path):
    """The schedule with the region at ``path`` replaced by its inner items."""
    k, rest = path[0], path[1:]
    item = schedule[k]
    if not rest:
        return tuple(schedule[:k]) + tuple(item.inner) + tuple(schedule[k + 1:])
    inner = flatten(item.inner, rest)
    return tuple(schedule[:k]) + (Segment(item.start, item.stop, inner),) + tuple(schedule[k + 1:])


def region_paths(schedule, prefix=()):
    for k, item in enumerate(schedule):
        if isinstance(item, Segment):
            yield prefix + (k,)
            yield from region_paths(item.inner, prefix + (k,))


def homogeneous(n, saved=4 * MiB, out=4 * MiB):
    return ChainCosts.uniform(n, 1e-3, 2e-3, out_bytes=out, saved_bytes=saved,
                              const_bytes=10 * MiB)


ALL_PLANNERS = [planners.store_all, planners.segments(3), planners.sqrt, planners.optimal,
                planners.revolve]


# ---------------------------------------------------------------------------
# the memory model


def test_simulate_worked_example():
    # h0=1; block 0: out 2, saved 3; block 1: out 4, saved 5, temp 1; const 10.
    costs = ChainCosts(1, [BlockCost(1, 2, 2, 3, 0), BlockCost(1, 2, 4, 5, 1)], const_bytes=10)
    # store all: peak at block 1's backward: h0 1 + S0 3 + h1 2 + S1 5 + h2 4
    # + g2 4, plus g1 2 and temp 1 while it runs.
    assert simulate(costs, [0, 1]) == (32, 6.0)
    # whole chain forgotten: re-run with g2 and the kept h2 alive.
    assert simulate(costs, [Segment(0, 2)]) == (34, 8.0)
    assert simulate(costs, [0, Segment(1, 2)]) == (34, 7.0)
    # forgetting block 0 frees S0 and h1 while block 1 runs.
    assert simulate(costs, [Segment(0, 1), 1]) == (29, 7.0)
    # block 1 with 6 bytes of parameter gradients: they appear during its
    # backward (peak 32 + 6) and stay while block 0's backward runs.
    grads = ChainCosts(1, [BlockCost(1, 2, 2, 3, 0), BlockCost(1, 2, 4, 5, 1, 6)], const_bytes=10)
    assert simulate(grads, [0, 1]) == (38, 6.0)
    # what a block keeps is freed after its backward, at top level too: with
    # a 50-byte workspace in block 0's backward, S1 and h1 are gone (h0 1 +
    # S0 3 + h2 4 + g1 2 + g0 1 + temp 50 + const 10)
    wide = ChainCosts(1, [BlockCost(1, 2, 2, 3, 50), BlockCost(1, 2, 4, 5, 1)], const_bytes=10)
    assert simulate(wide, [0, 1]) == (71, 6.0)
    # forgetting everything: the peak is block 0's re-run with h2 and g2
    # alive (h0 1 + h2 4 + g2 4 + h1 2 + S0 3 + temp 50 + 10)
    assert simulate(wide, [Segment(0, 2)]) == (74, 8.0)


def test_rerun_backward_transient_applies_to_every_stored_block():
    # h0=1; block 0: out 2, saved 3, temp 10, grads 10; block 1: out 4, saved
    # 5, temp 1; const 10. Block 0's backward costs A0 + W0 + T0 = 21 by the
    # plain rule; a measured rerun_bwd_bytes replaces that, never below
    # A0 + W0 = 11 (g0 and W0 are made before S0, h0, g1 are freed). The
    # backward pass frees node by node at top level as in a re-run (rule 4),
    # so it applies to every stored block.
    def chain(rerun):
        return ChainCosts(1, [BlockCost(1, 2, 2, 3, 10, 10, rerun), BlockCost(1, 2, 4, 5, 1)],
                          const_bytes=10)

    plain, low, floor, high = chain(None), chain(15), chain(0), chain(30)
    assert [c.blocks[0].rerun_backward(1) for c in (plain, low, floor, high)] == [21, 15, 11, 30]
    assert plain.blocks[1].rerun_backward(2) == 2 + 0 + 1
    for costs in (plain, low, floor, high):
        r0 = costs.blocks[0].rerun_backward(1)
        # store all: block 1's backward peaks at const 10 + h0 1 + S0 3 + h1 2
        # + S1 5 + h2 4 + g2 4 + 3 = 32; it frees S1 and h1, so block 0's
        # backward starts at const 10 + h0 1 + S0 3 + h2 4 + g1 2 = 20
        expected = max(32, 20 + r0)
        assert simulate(costs, [0, 1]) == planners.evaluate(costs, [0, 1]) == (expected, 6.0)
        # forgetting block 0: its re-run's forward moment is 17 + A1 2 + S0 3 +
        # T0 10 = 32, its backward starts at 20 as above
        assert simulate(costs, [Segment(0, 1), 1]) == (expected, 7.0)
        assert planners.evaluate(costs, [Segment(0, 1), 1]) == (expected, 7.0)
    assert [simulate(c, [0, 1])[0] for c in (plain, low, floor, high)] == [41, 35, 32, 50]
    # the planners see it: block 0's own backward is the peak, no forget
    # region lowers it, and at that peak store-all is the fastest plan
    assert planners.optimal(low, 35).schedule == (0, 1)
    with pytest.raises(planners.InfeasibleBudget):
        planners.optimal(high, 49)
    # and coarsening keeps it: merged, block 0's re-run backward comes after
    # block 1's has freed S1 5, h1 2, g2 4 and made g1 2: 15 + 0 - 5 - 4 = 6
    merged = rotor._coarsen(low, 1)[0].blocks[0]
    assert merged.rerun_bwd_bytes == max(plain.blocks[1].rerun_backward(2), 15 + 0 - 5 - 4)


def _runs_time(costs, schedule):
    """Time from the run counts: fwd_time per forward execution, bwd_time once."""
    runs = plan_lib.Plan("x", tuple(schedule), 0, 0.0).forward_runs()
    return (sum(r * b.fwd_time for r, b in zip(runs, costs.blocks))
            + sum(b.bwd_time for b in costs.blocks))


def test_rerun_stops_before_a_trailing_segment():
    # note "early stop": the re-run of the outer region fills the input of
    # Segment(2, 4) and stops; blocks 2 and 3 run in the forward pass and in
    # their own re-run only.
    times = [1.0, 2.0, 4.0, 8.0]
    costs = ChainCosts(1, [BlockCost(f, 0.5, 2, 3, 1) for f in times], const_bytes=10)
    nested = (Segment(0, 4, [Segment(0, 2), Segment(2, 4)]),)
    assert plan_lib.Plan("x", nested, 0, 0.0).forward_runs() == [3, 3, 2, 2]
    peak, time = simulate(costs, nested)
    assert time == 3 * 1 + 3 * 2 + 2 * 4 + 2 * 8 + 4 * 0.5          # not 3 * (4 + 8)
    # Hand count, above const 10 and h0 1 (both alive all along): the forward
    # pass leaves h4 2 and g4 2; the outer re-run runs Segment(0, 2) and keeps
    # h2 2. Segment(2, 4)'s re-run: block 2 stored (S2 3, h3 2), then block 3
    # runs: h4' 2 + S3 3 + temp 1 -> 2 + 2 + 2 + 3 + 2 + 2 + 3 + 1 = 17
    # (block 3's backward reaches the same: g3 2 + temp 1 in place of h4' 2 +
    # temp 1). Had the outer re-run run Segment(2, 4), it would not be higher.
    assert (peak, planners.evaluate(costs, nested)[0]) == (10 + 1 + 17, 10 + 1 + 17)
    # a trailing segment of a re-run costs what its inner items cost spliced in
    spliced = (Segment(0, 4, [Segment(0, 2), 2, 3]),)
    assert simulate(costs, spliced) == (peak, pytest.approx(time, rel=1e-12))
    assert planners.evaluate(costs, nested) == (peak, pytest.approx(time, rel=1e-12))
    # deeper: only non-trailing segments of a re-run run in it
    deep = (Segment(0, 6, [0, Segment(1, 6, [Segment(1, 3), Segment(3, 6, [3, Segment(4, 6)])])]),)
    assert plan_lib.Plan("x", deep, 0, 0.0).forward_runs() == [2, 3, 3, 2, 2, 2]
    assert plan_lib.Plan("x", (Segment(0, 2, [Segment(0, 2)]),), 0, 0.0).forward_runs() == [2, 2]
    # the top level still runs everything, a trailing top-level segment included
    top = (0, Segment(1, 4, [1, 2, 3]))
    assert plan_lib.Plan("x", top, 0, 0.0).forward_runs() == [1, 2, 2, 2]
    assert simulate(costs, top)[1] == 1 + 2 * (2 + 4 + 8) + 4 * 0.5


def test_simulated_time_counts_the_forward_runs_and_trailing_segments_splice():
    rng = random.Random(12)
    for _ in range(300):
        costs = random_chain(rng, rng.randint(1, 10), max_bytes=rng.choice([3, 20, 1000]))
        schedule = tuple(random_items(rng, 0, costs.n))
        peak, time = simulate(costs, schedule)
        assert time == pytest.approx(_runs_time(costs, schedule), rel=1e-12)
        # splicing the inner items of a segment that ends a re-run changes nothing
        for path in region_paths(schedule):
            if len(path) < 2:
                continue
            parent = schedule[path[0]]
            for k in path[1:-1]:
                parent = parent.inner[k]
            if path[-1] == len(parent.inner) - 1:
                spliced = flatten(schedule, path)
                assert simulate(costs, spliced) == (peak, pytest.approx(time, rel=1e-12))


def test_closed_form_matches_simulate_on_random_schedules():
    rng = random.Random(0)
    for _ in range(600):
        costs = random_chain(rng, rng.randint(1, 14), max_bytes=rng.choice([3, 20, 1000]))
        schedule = random_items(rng, 0, costs.n)
        peak, time = simulate(costs, schedule)
        peak2, time2 = planners.evaluate(costs, schedule)
        assert peak == peak2
        assert time == pytest.approx(time2, rel=1e-12)


def test_schedule_enumeration_counts():
    assert [len(all_schedules(0, n)) for n in range(1, 7)] == [2, 8, 48, 352, 2880, 25216]


def test_composed_costs_match_simulate_on_every_schedule():
    rng = random.Random(1)
    for n in range(1, 6):
        for _ in range(2):
            costs = random_chain(rng, n)
            peaks, times = _Exhaustive(costs).all()
            schedules = all_schedules(0, n)
            assert len(peaks) == len(schedules)
            for schedule, peak, time in zip(schedules, peaks, times):
                assert simulate(costs, schedule) == (peak, pytest.approx(time, rel=1e-12))


# ---------------------------------------------------------------------------
# optimal against exhaustive search


def check_optimal(costs, peaks, times, budgets):
    for budget in budgets:
        # one byte per slot: the program's discretisation is exact here
        assert rotor._slot_grid(budget - costs.const_bytes - costs.input_bytes, 500)[0] == 1
        expected = best_time(peaks, times, budget)
        plan = planners.optimal(costs, budget)
        assert plan.predicted_peak <= budget
        assert simulate(costs, plan.schedule) == (plan.predicted_peak,
                                                  pytest.approx(plan.predicted_time, rel=1e-12))
        assert plan.predicted_time == pytest.approx(expected, rel=1e-9), (budget, plan.schedule)


@pytest.mark.parametrize("n,chains", [(1, 20), (2, 40), (3, 40), (4, 30), (5, 10), (6, 3)])
def test_optimal_equals_exhaustive_search_by_simulation(n, chains):
    rng = random.Random(100 + n)
    schedules = all_schedules(0, n)
    for _ in range(chains):
        costs = random_chain(rng, n)
        results = [simulate(costs, s) for s in schedules]
        peaks = numpy.array([p for p, _ in results])
        times = numpy.array([t for _, t in results])
        top = planners.store_all(costs).predicted_peak
        check_optimal(costs, peaks, times, distinct_budgets(rng, peaks, top, 12))


@pytest.mark.parametrize("n,chains", [(7, 20), (8, 8)])
def test_optimal_equals_exhaustive_search_composed(n, chains):
    rng = random.Random(200 + n)
    for _ in range(chains):
        costs = random_chain(rng, n, max_bytes=8)
        peaks, times = _Exhaustive(costs).all()
        top = planners.store_all(costs).predicted_peak
        check_optimal(costs, peaks, times, distinct_budgets(rng, peaks, top, 8))


def test_dp_tables_equal_exhaustive_search_at_every_slot_budget():
    rng = random.Random(3)
    for n in range(1, 7):
        for _ in range(30 if n < 6 else 6):
            costs = random_chain(rng, n)
            exhaustive = _Exhaustive(costs)
            peaks, times = exhaustive.all()
            peaks = peaks - exhaustive.base                       # above h0 + const
            cap = int(peaks.min()) + 40
            dp = rotor._SlotDP(evaluation._Chain(costs), 1, cap)
            dp.solve()
            # re-run table of the whole chain: what backward holds at h_n counts
            rerun_peaks, rerun_times = exhaustive.rerun(0, n)
            for M in range(cap + 1):
                expected = best_time(rerun_peaks + exhaustive.G[n], rerun_times, M)
                assert dp.R[0][n - 1, M] == pytest.approx(expected, rel=1e-12)
            # top level
            dp.solve_top()
            for M in range(cap + 1):
                expected = best_time(peaks, times, M)
                assert dp.Top[0, M] == pytest.approx(expected, rel=1e-12)
                if expected < math.inf:
                    schedule = evaluation._freeze(dp.top_items(M))
                    peak, time = simulate(costs, schedule)
                    assert peak <= M + exhaustive.base
                    assert time == pytest.approx(expected, rel=1e-9)


def test_optimal_with_coarse_slots_is_bounded_by_the_rounded_problem():
    # Sizes far above the slot count: a slot spans many bytes. The plan must
    # fit in bytes, be no faster than the exact optimum, and no slower than
    # the best schedule under every slot budget whose schedules all fit.
    rng = random.Random(4)
    for _ in range(25):
        n = rng.randint(2, 6)
        costs = random_chain(rng, n, max_bytes=50_000, const_bytes=1000)
        peaks, times = _Exhaustive(costs).all()
        top = planners.store_all(costs).predicted_peak
        if peaks.min() >= top:
            continue
        budget = rng.randint(int(peaks.min()), top - 1)
        room = budget - costs.const_bytes - costs.input_bytes
        unit, cap = rotor._slot_grid(room, 50)
        assert unit > 1
        nearest = lambda x: math.floor(x / unit + 0.5)  # noqa: E731
        rounded = ChainCosts(
            nearest(costs.input_bytes),
            [BlockCost(b.fwd_time, b.bwd_time, nearest(b.out_bytes), nearest(b.saved_bytes),
                       nearest(b.temp_bytes), nearest(b.grad_bytes),
                       None if b.rerun_bwd_bytes is None else nearest(b.rerun_bwd_bytes))
             for b in costs.blocks])
        exhaustive = _Exhaustive(rounded)
        slot_peaks = exhaustive.all()[0] - exhaustive.base
        too_big = slot_peaks[peaks > budget]
        safe = min(cap, int(too_big.min()) - 1) if too_big.size else cap
        plan = planners.optimal(costs, budget, slots=50)
        assert plan.predicted_peak <= budget
        assert simulate(costs, plan.schedule)[0] == plan.predicted_peak
        assert plan.predicted_time >= best_time(peaks, times, budget) * (1 - 1e-12)
        assert plan.predicted_time <= best_time(slot_peaks, times, safe) * (1 + 1e-9)


def test_optimal_long_chain_uses_float32_tables_and_fits():
    rng = random.Random(5)
    costs = random_chain(rng, 90, max_bytes=4 * MiB)
    top = planners.store_all(costs)
    for frac in (0.3, 0.6):
        budget = int(top.predicted_peak * frac)
        try:
            plan = planners.optimal(costs, budget)
        except planners.InfeasibleBudget as error:
            plan = planners.optimal(costs, error.min_budget)
            budget = error.min_budget
        assert plan.predicted_peak <= budget
        assert simulate(costs, plan.schedule) == (plan.predicted_peak,
                                                  pytest.approx(plan.predicted_time, rel=1e-12))
        assert plan.predicted_time >= top.predicted_time


def test_coarsening_bounds_the_fine_chain():
    rng = random.Random(6)
    for _ in range(300):
        n = rng.randint(2, 24)
        costs = random_chain(rng, n, max_bytes=50)
        coarse, groups = rotor._coarsen(costs, rng.randint(1, n))
        schedule = random_items(rng, 0, coarse.n)
        coarse_peak, coarse_time = simulate(coarse, schedule)
        fine = evaluation._freeze(rotor._expand(schedule, groups))
        fine_peak, fine_time = simulate(costs, fine)
        assert fine_peak <= coarse_peak
        assert fine_time == pytest.approx(coarse_time, rel=1e-12)


def test_optimal_coarsens_long_chains():
    rng = random.Random(7)
    costs = random_chain(rng, 60, max_bytes=100)
    top = planners.store_all(costs)
    with pytest.raises(planners.InfeasibleBudget) as info:
        planners.optimal(costs, 0, max_blocks=12)
    least = info.value.min_budget
    assert planners.optimal(costs, least, max_blocks=12).predicted_peak <= least
    for budget in (least + 10, (least + top.predicted_peak) // 2, top.predicted_peak - 1):
        plan = planners.optimal(costs, budget, max_blocks=12)
        assert plan.predicted_peak <= budget
        assert simulate(costs, plan.schedule)[0] == plan.predicted_peak


# ---------------------------------------------------------------------------
# rules shared by the planners


def test_every_planner_predicts_what_the_simulator_measures():
    rng = random.Random(8)
    for _ in range(40):
        n = rng.randint(1, 30)
        chains = [random_chain(rng, n, max_bytes=rng.choice([10, 10_000])),
                  homogeneous(n, saved=rng.choice([0, MiB, 8 * MiB]))]
        for costs in chains:
            top = planners.store_all(costs).predicted_peak
            for planner in ALL_PLANNERS:
                if planner is planners.revolve and costs is chains[0]:
                    continue
                try:
                    plan = planner(costs, rng.randint(0, top))
                except planners.InfeasibleBudget as error:
                    plan = planner(costs, error.min_budget)
                assert plan.predicted_peak <= plan.budget
                assert simulate(costs, plan.schedule) == (
                    plan.predicted_peak, pytest.approx(plan.predicted_time, rel=1e-12))


@pytest.mark.parametrize("planner", ALL_PLANNERS, ids=lambda p: p.__name__)
def test_budget_at_or_above_store_all_gives_store_all(planner):
    costs = homogeneous(12)
    base = planners.store_all(costs)
    assert base.schedule == tuple(range(12))
    assert base.modes() == ["store"] * 12
    budgets = [base.predicted_peak, base.predicted_peak + 1, 10 * base.predicted_peak,
               f"{base.predicted_peak}B"]
    if planner not in (FIXED_PLANNERS):
        budgets.append(None)   # fixed planners without a budget: see the next test
    for budget in budgets:
        plan = planner(costs, budget)
        assert plan.schedule == base.schedule
        assert (plan.predicted_peak, plan.predicted_time) == (base.predicted_peak,
                                                              base.predicted_time)


FIXED_PLANNERS = tuple(p for p in ALL_PLANNERS if p.__name__.startswith(("segments", "sqrt")))


@pytest.mark.parametrize("planner", FIXED_PLANNERS, ids=lambda p: p.__name__)
def test_fixed_planner_without_budget_is_its_schedule(planner):
    # checkpoint_sequential: the segments are used, whatever the budget would allow.
    costs = homogeneous(12)
    plan = planner(costs)
    assert any(isinstance(item, Segment) for item in plan.schedule)
    base = planners.store_all(costs)
    assert plan.predicted_peak < base.predicted_peak
    assert plan.predicted_time > base.predicted_time


def test_least_peak_program_is_exact():
    rng = random.Random(11)
    for _ in range(150):
        costs = random_chain(rng, rng.randint(1, 6))
        peaks, _ = _Exhaustive(costs).all()
        schedule = evaluation._freeze(rotor._min_peak_schedule(evaluation._Chain(costs)))
        assert simulate(costs, schedule)[0] == peaks.min()


@pytest.mark.parametrize("planner", ALL_PLANNERS, ids=lambda p: p.__name__)
def test_infeasible_budget_names_the_least_feasible_one(planner):
    rng = random.Random(9)
    for costs in (homogeneous(10), homogeneous(1), homogeneous(24, saved=0)):
        with pytest.raises(planners.InfeasibleBudget) as info:
            planner(costs, 1000)
        error = info.value
        assert isinstance(error, ValueError)
        least = error.min_budget
        assert f"{least} bytes" in str(error)
        assert f"{least / MiB:.2f} MiB" in str(error)
        assert planner(costs, least).predicted_peak <= least
        with pytest.raises(planners.InfeasibleBudget):
            planner(costs, least - 1)
    if planner is planners.revolve:
        return
    for n in range(1, 6):
        costs = random_chain(rng, n)
        with pytest.raises(planners.InfeasibleBudget) as info:
            planner(costs, 0)
        assert planner(costs, info.value.min_budget).predicted_peak <= info.value.min_budget
        if planner is planners.optimal:      # the least peak over every schedule
            peaks, _ = _Exhaustive(costs).all()
            assert info.value.min_budget == peaks.min()


def test_no_plan_keeps_a_region_that_buys_nothing():
    rng = random.Random(10)
    for _ in range(30):
        n = rng.randint(2, 16)
        costs = random_chain(rng, n, max_bytes=30)
        top = planners.store_all(costs).predicted_peak
        for planner in ALL_PLANNERS[1:4]:
            try:
                plan = planner(costs, rng.randint(0, top - 1))
            except planners.InfeasibleBudget as error:
                plan = planner(costs, error.min_budget)
            limit = plan.budget if planner is planners.optimal else plan.predicted_peak
            for path in region_paths(plan.schedule):
                peak, time = simulate(costs, flatten(plan.schedule, path))
                assert not (peak <= limit and time < plan.predicted_time * (1 - 1e-12))
                assert not (peak <= plan.predicted_peak and time <= plan.predicted_time)


def test_mlp_chain_never_pays_for_nothing():
    # Linear+ReLU blocks keep only their input: forgetting one block saves
    # nothing, forgetting a run of blocks saves their inputs.
    costs = ChainCosts.uniform(32, 1e-3, 2e-3, out_bytes=MiB, saved_bytes=0)
    base = planners.store_all(costs)
    per_block = [Segment(i, i + 1) for i in range(31)] + [31]
    assert simulate(costs, per_block)[0] >= base.predicted_peak
    for budget in (base.predicted_peak, 2 * base.predicted_peak):
        plan = planners.optimal(costs, budget)
        assert plan.modes() == ["store"] * 32
        assert plan.predicted_time == base.predicted_time
    with pytest.raises(planners.InfeasibleBudget) as info:
        planners.segments(32)(costs, base.predicted_peak - 1)
    assert info.value.min_budget == base.predicted_peak
    with pytest.raises(planners.InfeasibleBudget) as info:
        planners.optimal(costs, 0)
    for budget in range(info.value.min_budget, base.predicted_peak, MiB // 2):
        plan = planners.optimal(costs, budget)
        assert plan.predicted_peak <= budget
        if plan.predicted_time > base.predicted_time:
            assert plan.predicted_peak < base.predicted_peak
        # no region of a single block at top level: it would keep what the
        # plain block keeps
        assert all(isinstance(item, int) or item.stop - item.start > 1 for item in plan.schedule)


# ---------------------------------------------------------------------------
# segments, sqrt, revolve


def test_segments_schedule_and_names():
    assert plan_lib.segments_schedule(10, 3) == (Segment(0, 4), Segment(4, 7), 7, 8, 9)
    assert plan_lib.segments_schedule(3, 5) == (Segment(0, 1), Segment(1, 2), 2)
    assert plan_lib.segments_schedule(4, 1) == (0, 1, 2, 3)
    costs = homogeneous(16, saved=16 * MiB)
    with pytest.raises(planners.InfeasibleBudget) as info:
        planners.segments(4)(costs, 0)
    budget = info.value.min_budget
    assert budget < planners.store_all(costs).predicted_peak
    assert planners.segments(4)(costs, budget).schedule == (
        Segment(0, 4), Segment(4, 8), Segment(8, 12), 12, 13, 14, 15)
    plan = planners.sqrt(costs, budget)
    assert plan.planner == "sqrt"
    assert plan.schedule == planners.segments(4)(costs, budget).schedule
    assert planners.segments(4).__name__ == "segments(4)"
    with pytest.raises(ValueError, match="k must be >= 1"):
        planners.segments(0)
    with pytest.raises(TypeError, match="k must be an int"):
        planners.segments(2.5)


def brute_force_forward_steps(n, snapshots):
    """Least forward executions to reverse n blocks, by recursion.

    Advance j blocks forgetting, checkpoint there (unless one block is left:
    then that block runs taped at once), reverse the rest with one snapshot
    fewer, then reverse the first j blocks with the snapshots back.
    """
    @functools.lru_cache(maxsize=None)
    def steps(length, free):
        if length == 1:
            return 1
        best = math.inf
        for j in range(1, length):
            left = free - 1 if length - j > 1 else free
            if left >= 0:
                best = min(best, j + steps(length - j, left) + steps(j, free))
        return best

    return steps(n, snapshots)


def test_revolve_closed_form_matches_brute_force():
    for n in range(1, 61):
        for snapshots in range(0, 7):
            assert planners.revolve_forward_steps(n, snapshots) == \
                brute_force_forward_steps(n, snapshots), (n, snapshots)
    # the repetition number: least r with binom(s + 1 + r, s + 1) >= n
    assert binomial._repetitions(10, 1) == 9
    assert binomial._repetitions(math.comb(3 + 4, 3), 3) == 4
    assert binomial._repetitions(math.comb(3 + 4, 3) + 1, 3) == 5
    assert planners.revolve_forward_steps(10, 0) == 55            # 10 + 9 + ... + 1
    assert planners.revolve_forward_steps(10, 9) == 19            # advance once, then taped
    with pytest.raises(ValueError, match="n must be an int >= 1"):
        planners.revolve_forward_steps(0, 1)


def test_revolve_schedule_reaches_the_closed_form():
    for n in range(1, 80):
        for snapshots in range(0, 6):
            items = evaluation._freeze(binomial._revolve_items(0, n, snapshots))
            plan = plan_lib.Plan("x", items, 0, 0.0)
            assert sum(plan.forward_runs()) == planners.revolve_forward_steps(n, snapshots)


def test_revolve_on_homogeneous_chains():
    # small sizes: one byte per slot, so optimal is exact and must win
    costs = ChainCosts.uniform(32, 1e-3, 2e-3, out_bytes=4, saved_bytes=4, const_bytes=10)
    base = planners.store_all(costs)
    with pytest.raises(planners.InfeasibleBudget) as info:
        planners.revolve(costs, 0)
    least = info.value.min_budget
    for budget in range(least, base.predicted_peak, 7):
        plan = planners.revolve(costs, budget)
        assert plan.planner == "revolve"
        assert plan.predicted_peak <= budget
        assert plan.predicted_time >= base.predicted_time
        assert planners.optimal(costs, budget).predicted_time <= plan.predicted_time * (1 + 1e-12)
    block = BlockCost(1e-3, 2e-3, MiB, MiB)
    almost = ChainCosts(MiB, [BlockCost(1e-3, 2e-3, MiB + (i % 2) * 5000, MiB) for i in range(8)])
    planners.revolve(almost, None)                     # within 1%
    uneven = ChainCosts(MiB, [block] * 3 + [BlockCost(1e-3, 2e-3, MiB * 102 // 100, MiB)]
                        + [block] * 4)
    with pytest.raises(ValueError, match=r"not homogeneous within 1%: block 3 has out_bytes"):
        planners.revolve(uneven, 6 * MiB)


# ---------------------------------------------------------------------------
# plans, costs, inputs


def test_plan_modes_runs_and_table():
    costs = ChainCosts(10, [BlockCost(1, 2, 10, 5)] * 5, const_bytes=7)
    schedule = (0, Segment(1, 4, [Segment(1, 2), 2, 3]), 4)
    peak, time = simulate(costs, schedule)
    plan = plan_lib.Plan("handmade", schedule, peak, time, 1000, costs)
    assert plan.modes() == ["store", "checkpoint", "recompute", "recompute", "store"]
    assert plan.forward_runs() == [1, 3, 2, 2, 1]
    text = str(plan)
    assert "handmade" in text and "checkpoint" in text and "recompute" in text
    assert "predicted peak" in text and "store_all" in text
    assert "2 store, 1 checkpoint, 2 recompute" in text
    assert repr(Segment(1, 3)) == "Segment(1, 3)"
    assert Segment(1, 3, [1, 2]) == Segment(1, 3)


def test_bad_costs_are_rejected_with_clear_messages():
    for field in ("fwd_time", "bwd_time", "out_bytes", "saved_bytes", "temp_bytes"):
        values = dict(fwd_time=1.0, bwd_time=1.0, out_bytes=1, saved_bytes=1, temp_bytes=0)
        values[field] = -1
        with pytest.raises(ValueError, match=f"{field} must be >= 0"):
            BlockCost(**values)
    with pytest.raises(ValueError, match="fwd_time must be finite"):
        BlockCost(float("nan"), 1.0, 1, 1)
    with pytest.raises(ValueError, match="whole number of bytes"):
        BlockCost(1.0, 1.0, 1.5, 1)
    with pytest.raises(TypeError, match="out_bytes must be a number of bytes"):
        BlockCost(1.0, 1.0, True, 1)
    assert BlockCost(1, 1, 1e6, numpy.int64(3)).out_bytes == 1_000_000
    with pytest.raises(ValueError, match="the chain is empty"):
        ChainCosts(10, [])
    with pytest.raises(ValueError, match="input_bytes must be >= 0"):
        ChainCosts(-1, [BlockCost(1, 1, 1, 1)])
    with pytest.raises(ValueError, match="const_bytes must be >= 0"):
        ChainCosts(1, [BlockCost(1, 1, 1, 1)], const_bytes=-3)
    with pytest.raises(TypeError, match=r"blocks\[1\] must be a BlockCost, got dict"):
        ChainCosts(1, [BlockCost(1, 1, 1, 1), {"fwd_time": 1}])
    with pytest.raises(TypeError, match="costs must be a ChainCosts"):
        planners.optimal([BlockCost(1, 1, 1, 1)], 100)


def test_bad_schedules_are_rejected_with_clear_messages():
    costs = ChainCosts(1, [BlockCost(1, 1, 1, 1)] * 4)
    with pytest.raises(ValueError, match="starts at block 2, but block 1 comes next"):
        simulate(costs, [0, 2, 3])
    with pytest.raises(ValueError, match="cover blocks 0..2 only"):
        simulate(costs, [0, 1, 2])
    with pytest.raises(ValueError, match="runs past the last block 3"):
        simulate(costs, [0, Segment(1, 5)])
    with pytest.raises(ValueError, match="need 0 <= start < stop"):
        Segment(2, 2)
    with pytest.raises(ValueError, match=r"Segment\(0, 3\).inner: the items cover blocks 0..1"):
        Segment(0, 3, [0, 1])
    with pytest.raises(TypeError, match="item 1 must be a block index"):
        simulate(costs, [0, "1", 2, 3])


def test_parse_bytes():
    parse = plan_lib.parse_bytes
    assert parse("300MiB") == 300 * MiB
    assert parse("1.5GB") == 1_500_000_000
    assert parse("2 KiB") == 2048
    assert parse("0.5kib") == 512
    assert parse("4096") == 4096
    assert parse("1e3") == 1000
    assert parse(4096) == 4096
    assert parse(numpy.int32(7)) == 7
    assert parse(10.7) == 10
    with pytest.raises(ValueError, match="cannot read 'lots' as a byte size"):
        parse("lots")
    with pytest.raises(ValueError, match="unknown unit 'XB' in '3XB'"):
        parse("3XB")
    with pytest.raises(ValueError, match="must be >= 0"):
        parse("-1MB")
    with pytest.raises(ValueError, match="must be >= 0"):
        parse(-5)
    with pytest.raises(ValueError, match="must be finite"):
        parse(float("inf"))
    with pytest.raises(TypeError):
        parse(None)
    with pytest.raises(TypeError):
        parse(True)


def test_planners_reject_bad_budgets_and_arguments():
    costs = homogeneous(4)
    for planner in ALL_PLANNERS:
        with pytest.raises(ValueError, match="bad budget_bytes: parse_bytes: cannot read 'lots'"):
            planner(costs, "lots")
    assert planners.optimal(costs, "1GiB").schedule == (0, 1, 2, 3)
    with pytest.raises(ValueError, match="slots must be an int >= 1"):
        planners.optimal(costs, 10 * MiB, slots=0)
    with pytest.raises(ValueError, match="max_blocks must be an int >= 2"):
        planners.optimal(costs, 10 * MiB, max_blocks=1)


def test_planner_speed_benchmark_runs():
    script = ROOT / "benchmarks" / "planner_speed.py"
    result = subprocess.run([sys.executable, str(script), "--blocks", "20", "--repeat", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "20 blocks" in result.stdout and "slowest:" in result.stdout


def test_forward_runs_match_what_forget_really_runs():
    # rechain's F.forget stops a replay at a trailing nested region (note
    # "early stop"): count the block calls of a real forward and backward.
    import rechain
    import rechain.functions as F
    import rechain.links as L
    from rechain.recompute import apply

    rechain.random.seed(0)
    links = [L.Linear(4, 4) for _ in range(6)]
    counts = [0] * 6

    def block(i):
        def run(h):
            counts[i] += 1
            return F.tanh(links[i](h))
        return run

    blocks = [block(i) for i in range(6)]
    x = numpy.ones((2, 4), dtype=numpy.float32)
    for schedule in ((Segment(0, 4, [Segment(0, 2), Segment(2, 4)]), 4, 5),
                     (Segment(0, 6, [0, Segment(1, 6, [Segment(1, 3),
                                                       Segment(3, 6, [3, Segment(4, 6)])])]),),
                     (0, Segment(1, 6, [Segment(1, 3), 3, 4, 5]))):
        counts[:] = [0] * 6
        F.sum(apply.run(blocks, x, schedule)).backward()
        assert counts == plan_lib.Plan("x", schedule, 0, 0.0).forward_runs(), schedule

"""A chain planner users can trust (issue 11): one regression test per bug.

Every assertion is on bytes, counts, plans or messages; none on wall-clock
time (timings are injected through ``measure._clock`` where they matter).
"""

import importlib
import itertools
import random
import tracemalloc
import warnings

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import recompute as R
from rechain.recompute import apply
from rechain.recompute.costs import BlockCost, ChainCosts
from rechain.recompute.planners import evaluation

measure_mod = importlib.import_module("rechain.recompute.measure")


class Block(rechain.Chain):
    """h + l2(relu(bn(l1(h)))), counting its forward calls."""

    calls = 0

    def __init__(self, width):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(width, width)
            self.bn = L.BatchNormalization(width)
            self.l2 = L.Linear(width, width)

    def forward(self, h):
        Block.calls += 1
        return h + self.l2(F.relu(self.bn(self.l1(h))))


def _model(n, width=128, seed=0):
    rechain.random.seed(seed)
    return rechain.ChainList(*[Block(width) for _ in range(n)])


def _x(batch=256, width=128):
    return numpy.random.default_rng(0).standard_normal((batch, width), dtype=numpy.float32)


def _loss(h):
    return F.sum(h * h) * (1.0 / h.shape[0])


def _plain(model, x):
    h = rechain.Variable(x)
    for block in model:
        h = block(h)
    return h


class FakeClock:
    """A clock whose timed intervals are given: [fwd, 0, bwd, 0] per run.

    ``measure`` reads the clock four times per timed run (before and after
    the forward, before and after the backward).
    """

    def __init__(self, durations):
        self.durations = iter(durations)
        self.now = 0.0
        self.k = 0

    def __call__(self):
        if self.k % 4 in (1, 3):                  # the end of a forward / backward
            self.now += next(self.durations)
        self.k += 1
        return self.now


def _noisy(seed, outlier_at=5):
    """Forward 700 us and backward 1,400 us, +-4% noise, one 8,985 us forward."""
    rng = random.Random(seed)
    for k in itertools.count():
        fwd = 700e-6 * (1 + rng.uniform(-0.04, 0.04))
        if k == outlier_at:
            fwd = 8985e-6
        yield fwd
        yield 1400e-6 * (1 + rng.uniform(-0.04, 0.04))


# -- measure ----------------------------------------------------------------------------

def test_measure_leaves_a_callers_tracemalloc_session_running():
    tracemalloc.start()
    try:
        R.measure(_model(2), _x(), progress=False)
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    R.measure(_model(2), _x(), progress=False)
    assert not tracemalloc.is_tracing()            # its own session it stops


@pytest.mark.parametrize("seed", [0, 1])
def test_one_slow_sample_does_not_distort_identical_blocks(monkeypatch, seed):
    monkeypatch.setattr(measure_mod, "_clock", FakeClock(_noisy(seed)))
    costs = R.measure(_model(12), _x(), progress=False)
    fwd = {b.fwd_time for b in costs.blocks}
    bwd = {b.bwd_time for b in costs.blocks}
    assert len(fwd) == 1 and len(bwd) == 1        # one median for the alike blocks
    assert abs(fwd.pop() / 700e-6 - 1) < 0.05 and abs(bwd.pop() / 1400e-6 - 1) < 0.05


def test_same_model_and_budget_give_the_same_plan(monkeypatch):
    plans = []
    for seed in range(3):
        monkeypatch.setattr(measure_mod, "_clock", FakeClock(_noisy(seed, outlier_at=seed + 3)))
        model = _model(10)
        costs = R.measure(list(model) + [_loss], _x(), progress=False)
        plans.append(R.optimal(costs, apply.resolve_budget(apply.parse_budget("50%"), costs)))
    assert plans[0].schedule == plans[1].schedule == plans[2].schedule
    assert plans[0].schedule != tuple(range(11))


def test_measure_runs_each_block_about_three_times_forward():
    # the cost of measuring, counted: a training step runs each block once forward
    model = _model(16)
    Block.calls = 0
    R.measure(model, _x(), progress=False)
    # identical blocks: 2 traced (6 runs each: plainly, under forget, and two
    # re-runs under forget with their replays), the 14 others run once for
    # their output, one untimed run warms the timing, every block timed once
    assert Block.calls == 2 * 6 + 14 + 1 + 16
    Block.calls = 0
    R.measure(model, _x(), pool=False, progress=False)
    assert Block.calls == 16 * (6 + 3) + 1          # each traced 6 times, timed thrice


def test_pooled_bytes_are_those_of_a_traced_measurement():
    model = _model(6)
    pooled = R.measure(model, _x(), progress=False)
    alone = R.measure(model, _x(), pool=False, progress=False)
    for a, b in zip(pooled.blocks, alone.blocks):
        for name in ("out_bytes", "saved_bytes", "temp_bytes", "grad_bytes"):
            assert abs(getattr(a, name) - getattr(b, name)) <= max(1024, getattr(b, name) // 100)


def test_measure_reports_progress(monkeypatch, capsys):
    seen = []
    R.measure(_model(3), _x(), progress=lambda phase, done, total: seen.append((phase, done)))
    assert ("memory", 3) in seen and ("time", 3) in seen
    monkeypatch.setattr(measure_mod, "PROGRESS_AFTER", 0.0)
    R.measure(_model(3), _x())
    err = capsys.readouterr().err
    assert "measure: " in err and "blocks" in err and "done in" in err
    R.measure(_model(3), _x(), progress=False)
    assert capsys.readouterr().err == ""


# -- planned chains: when they plan -----------------------------------------------------

def _count_measures(monkeypatch):
    calls = []
    real = measure_mod.measure

    def counting(*args, **kwargs):
        calls.append(args[1].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(apply._measure, "measure", counting)
    return calls


def test_no_backprop_and_test_forwards_never_plan(monkeypatch):
    calls = _count_measures(monkeypatch)
    model = _model(6)
    planned = model.forget(budget="80%")
    x = _x()
    _loss(planned(x)).backward()
    assert len(calls) == 1
    small = _x(batch=32)
    with rechain.no_backprop_mode():
        y = planned(small)
    with rechain.using_config("train", False):
        y_test = planned(small)
        expected = _plain(model, small)
    assert len(calls) == 1                        # no measurement, no plan
    assert y.creator is None                      # a plain forward without a graph
    numpy.testing.assert_array_equal(y_test.array, expected.array)


def test_a_new_batch_scales_the_costs_says_so_and_keeps_the_percentage(monkeypatch):
    calls = _count_measures(monkeypatch)
    model = _model(6)
    planned = model.forget(budget="100%")
    planned(_x(batch=256))
    first = planned.plan
    with pytest.warns(apply.PlanWarning, match="batch axis only"):
        planned(_x(batch=64))
    assert len(calls) == 1
    second = planned.plan
    scaled = first.costs.scaled(64 / 256)
    assert second.budget == R.store_all(scaled).predicted_peak
    assert second.budget < first.budget
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        planned(_x(batch=256))                    # a known shape: its plan, silently
    assert planned.plan is first and len(calls) == 1
    planned.remeasure(_x(batch=64))
    assert len(calls) == 2


def test_a_block_appended_after_planning_is_planned(monkeypatch):
    model = _model(3)
    x = _x()
    for kwargs in (dict(budget="85%"), dict(segments=2), {}):
        planned = model.forget(**kwargs)
        planned(x)
        model.append(Block(128))
        y = planned(x)
        assert len(planned.plan.modes()) == len(model)
        numpy.testing.assert_array_equal(y.array, _plain(model, x).array)
    fixed = model.forget(plan=tuple(range(len(model))))
    model.append(Block(128))
    with pytest.raises(ValueError, match="added or removed after planning"):
        fixed(x)


def test_print_plan_of_segments_and_default():
    model = _model(12)
    text = str(model.forget(segments=6).plan)
    assert "segments(6)" in text and "12 blocks" in text
    assert "forget every block" in str(model.forget().plan)


# -- budgets ----------------------------------------------------------------------------

def test_a_float_budget_is_bytes_and_a_small_float_is_an_error():
    assert apply.parse_budget(5e5) == 500000
    assert _model(2).forget(budget=5e5).budget == 500000
    assert apply.parse_budget("60%") == apply.Percent(0.6)
    for bad in (0.6, 1.0):
        with pytest.raises(ValueError, match="'60%'|'100%'"):
            _model(2).forget(budget=bad)
    with pytest.raises(ValueError, match="ambiguous"):
        apply.parse_budget(0.25)


# -- planners ---------------------------------------------------------------------------

def test_optimal_is_never_beaten_by_a_baseline_that_fits():
    # with coarse slots the dynamic program alone returned a plan slower than
    # segments(2), which fits the same budget
    spec = [(2, 4, 2, 0, 0, 0), (1, 3, 2, 3, 0, 0), (3, 2, 2, 6, 500, 1), (2, 3, 4, 1, 0, 0),
            (3, 2, 2, 6, 500, 0), (3, 4, 2, 3, 500, 1), (1, 3, 2, 3, 500, 0)]
    costs = ChainCosts(1000, [BlockCost(f * 1e-3, b * 1e-3, o * 1000, s * 1000, t, g * 1000)
                              for f, b, o, s, t, g in spec])
    plan = R.optimal(costs, 29048, slots=10)
    ch = evaluation._Chain(costs)
    for name, schedule in evaluation.baseline_schedules(costs.n):
        pruned = evaluation._prune(ch, schedule)
        peak, time = evaluation._evaluate(ch, pruned)
        if peak <= 29048:
            assert plan.predicted_time <= time, name
    assert plan.predicted_time <= 0.044 + 1e-12


def test_optimal_beats_every_fitting_baseline_on_random_chains():
    rng = random.Random(1)
    for _ in range(40):
        n = rng.randint(2, 9)
        costs = ChainCosts(1000, [BlockCost(rng.choice([1, 2, 3]) * 1e-3,
                                            rng.choice([2, 3, 4]) * 1e-3,
                                            rng.choice([1, 2, 4]) * 1000,
                                            rng.choice([0, 1, 3, 6]) * 1000,
                                            rng.choice([0, 500]), rng.choice([0, 1000]))
                                  for _ in range(n)])
        top = R.store_all(costs).predicted_peak
        budget = rng.randint(top // 3, top)
        try:
            plan = R.optimal(costs, budget, slots=rng.choice([5, 10, 20, 500]))
        except R.InfeasibleBudget:
            continue
        ch = evaluation._Chain(costs)
        for _, schedule in evaluation.baseline_schedules(n):
            peak, time = evaluation._evaluate(ch, evaluation._prune(ch, schedule))
            if peak <= budget:
                assert plan.predicted_time <= time + 1e-12


def test_revolve_accepts_identical_blocks_timed_with_noise():
    rng = random.Random(0)
    costs = ChainCosts(1 << 20, [BlockCost(1e-3 * (1 + rng.uniform(-0.08, 0.08)),
                                           2e-3 * (1 + rng.uniform(-0.08, 0.08)),
                                           1 << 20, (1 << 20) + rng.randint(0, 500))
                                 for _ in range(32)])
    plan = R.revolve(costs, R.store_all(costs).predicted_peak // 2)
    assert plan.planner == "revolve"
    off = ChainCosts(1 << 20, [BlockCost(1e-3, 2e-3, 1 << 20, 1 << 20)] * 5
                     + [BlockCost(1.3e-3, 2e-3, 1 << 20, 1 << 20)])
    with pytest.raises(ValueError, match="within 10%: block 5 has fwd_time"):
        R.revolve(off, None)


def test_revolve_on_32_measured_identical_blocks(monkeypatch):
    monkeypatch.setattr(measure_mod, "_clock", FakeClock(_noisy(0)))
    costs = R.measure(_model(32, width=16), _x(width=16), progress=False)
    assert R.revolve(costs, None).planner == "revolve"     # checked, then store-all fits


# -- the time model: a cost per byte of the step's peak ----------------------------------

def test_time_per_byte_of_peak_in_simulate_evaluate_and_optimal():
    base = ChainCosts.uniform(12, 1e-3, 2e-3, out_bytes=1 << 20, saved_bytes=2 << 20)
    rate = 1e-9
    costs = ChainCosts(base.input_bytes, base.blocks, base.const_bytes, seconds_per_byte=rate)
    schedule = (R.Segment(0, 6), 6, 7, 8, 9, 10, 11)
    peak0, time0 = R.simulate(base, schedule)
    peak, time = R.simulate(costs, schedule)
    assert peak == peak0 and time == pytest.approx(time0 + rate * (peak - costs.const_bytes))
    assert R.planners.evaluate(costs, schedule) == pytest.approx((peak, time))
    top = R.store_all(costs).predicted_peak
    plain = R.optimal(base, top - 1)
    priced = R.optimal(costs, top - 1)
    assert priced.predicted_peak < plain.predicted_peak        # memory now costs time
    assert priced.predicted_time <= R.planners.evaluate(costs, plain.schedule)[1]


# -- the package's structure ------------------------------------------------------------

def test_importing_rechain_loads_no_planner():
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, rechain, rechain.functions as F, rechain.links as L\n"
            "L.Linear(2, 2); F.forget\n"
            "print(sorted(m for m in sys.modules if m.startswith('rechain.recompute.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=root), check=True).stdout
    assert "planners" not in out and "rechain.recompute.apply" not in out
    assert "rechain.recompute.region" in out


def test_planners_import_no_link_and_no_variable():
    import ast
    import pathlib
    folder = pathlib.Path(R.__file__).parent / "planners"
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [getattr(node, "module", None) or ""] + [a.name for a in node.names]
                assert not any("link" in n or "variable" in n or "function_node" in n
                               for n in names), (path.name, names)

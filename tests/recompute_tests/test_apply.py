"""Measuring a chain, applying plans, and predicted against measured peaks."""

import gc
import importlib
import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import recompute as R

measure_mod = importlib.import_module("rechain.recompute.measure")


class Block(rechain.Chain):
    def __init__(self, width):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(width, width)
            self.bn = L.BatchNormalization(width)
            self.l2 = L.Linear(width, width)

    def forward(self, h):
        return h + self.l2(F.relu(self.bn(self.l1(h))))


def _loss(h):
    return F.sum(h * h) * (1.0 / h.shape[0])


def _resmlp(n, width=64, seed=0):
    rechain.random.seed(seed)
    return rechain.ChainList(*[Block(width) for _ in range(n)])


def _input(batch=128, width=64):
    return numpy.random.default_rng(0).standard_normal((batch, width), dtype=numpy.float32)


def _measured_peak(blocks, x, plan):
    for b in blocks:
        if isinstance(b, rechain.Link):
            b.cleargrads()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        xi = x.copy()      # the step's input is part of the step, as in the model
        loss = R.run(blocks, xi, plan)
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak


@pytest.fixture(scope="module")
def chain8():
    model = _resmlp(8, width=128)
    x = _input(256, 128)
    blocks = list(model) + [_loss]
    return model, blocks, x, R.measure(blocks, x, repeat=1)


def test_measured_costs_describe_the_blocks(chain8):
    _, blocks, x, costs = chain8
    assert costs.n == 9 and costs.input_bytes == x.nbytes
    a = x.nbytes
    for c in costs.blocks[:8]:
        assert c.out_bytes == a
        # l1's output (kept by BN) and relu's output (kept by ReLU and l2).
        assert 1.9 * a <= c.saved_bytes <= 2.2 * a
        assert c.grad_bytes == 2 * (128 * 128 + 128) * 4 + 2 * 128 * 4  # W, b (x2), gamma, beta
        assert c.fwd_time > 0 and c.bwd_time > 0
    assert costs.blocks[8].out_bytes == 4  # the loss


def _budgets(costs, count):
    """``count`` budgets from the least feasible peak up to the store-all peak."""
    full = R.store_all(costs).predicted_peak
    try:
        R.optimal(costs, 0)
    except R.InfeasibleBudget as error:
        least = error.min_budget
    return [int(least + (full - least) * k / (count - 1)) for k in range(count)]


def test_peak_prediction_within_2_percent_at_several_budgets(chain8):
    _, blocks, x, costs = chain8
    for budget in _budgets(costs, 6):
        plan = R.optimal(costs, budget)
        measured = _measured_peak(blocks, x, plan)
        assert abs(measured - plan.predicted_peak) <= 0.02 * plan.predicted_peak, (
            budget, plan.schedule, measured, plan.predicted_peak)


def test_peak_prediction_within_2_percent_on_a_deeper_chain():
    # 12 blocks: the tight budgets put stored blocks inside re-runs, where
    # backprop frees the refilled arrays node by node (rerun_bwd_bytes).
    # Activations of 128 KiB: the graph's own objects (const_bytes) count.
    model = _resmlp(12, width=128)
    x = _input(256, 128)
    blocks = list(model) + [_loss]
    costs = R.measure(blocks, x, repeat=1)
    assert all(c.rerun_bwd_bytes is not None for c in costs.blocks)
    assert 0 < costs.const_bytes < x.nbytes * 13 // 2    # the graph, not the activations
    reruns = 0
    for budget in _budgets(costs, 5):
        plan = R.optimal(costs, budget)
        measured = _measured_peak(blocks, x, plan)
        assert abs(measured / plan.predicted_peak - 1) <= 0.02, (
            budget, plan.schedule, measured, plan.predicted_peak)
        reruns += any(isinstance(item, R.Segment) and any(isinstance(j, int) for j in item.inner)
                      for item in plan.schedule)
    assert reruns >= 1


@pytest.mark.parametrize("planner", ["store_all", "sqrt", "optimal", "segments3"])
def test_planned_run_gives_plain_gradients(chain8, planner):
    model, blocks, x, costs = chain8
    if planner == "segments3":
        plan = R.segments(3)(costs)
    elif planner == "optimal":
        plan = R.optimal(costs, int(R.store_all(costs).predicted_peak * 0.6))
    else:
        plan = getattr(R, planner)(costs)

    def grads(runner):
        rechain.random.seed(1)
        model.cleargrads()
        loss = runner()
        loss.backward()
        return float(loss.array), [p.grad.copy() for p in model.params()]

    plain = grads(lambda: R.run(blocks, x, R.store_all(costs)))
    planned = grads(lambda: R.run(blocks, x, plan))
    assert planned[0] == plain[0]
    for a, b in zip(planned[1], plain[1]):
        numpy.testing.assert_array_equal(a, b)


def test_measure_leaves_the_model_unchanged():
    model = _resmlp(3)
    bn = model[0].bn
    mean, var, n = bn.avg_mean.copy(), bn.avg_var.copy(), bn.N
    state = rechain.random.get_state()
    model[0].l1.W.grad = numpy.full_like(model[0].l1.W.array, 7.0)
    R.measure(model, _input(), repeat=2)
    numpy.testing.assert_array_equal(bn.avg_mean, mean)
    numpy.testing.assert_array_equal(bn.avg_var, var)
    assert bn.N == n and rechain.random.get_state() == state
    assert (model[0].l1.W.grad == 7.0).all() and model[1].l1.W.grad is None


def test_chainlist_forget_default_segments_and_budget():
    model = _resmlp(4)
    x = _input()
    per_block = model.forget()        # default: each block in its own region
    assert per_block.schedule == tuple(R.Segment(i, i + 1) for i in range(4))
    assert model.forget(segments=2).schedule[0] == R.Segment(0, 2)
    model.cleargrads()
    y1 = _loss(per_block(x))
    y1.backward()
    g1 = model[0].l1.W.grad.copy()
    budgeted = model.forget(budget="2MiB")
    model.cleargrads()
    y2 = _loss(budgeted(x))
    y2.backward()
    assert budgeted.plan is not None and budgeted.plan.predicted_peak <= 2 * 2**20
    numpy.testing.assert_array_equal(model[0].l1.W.grad, g1)


def test_sequential_forget_with_callables():
    rechain.random.seed(0)
    seq = rechain.Sequential(L.Linear(8, 8), F.relu, L.Linear(8, 8), F.tanh)
    x = numpy.ones((4, 8), numpy.float32)
    y_plain = seq(x)
    y = seq.forget(segments=2)(x)
    numpy.testing.assert_array_equal(y.array, y_plain.array)


def test_mlp_planner_does_not_pay_for_per_block_forget():
    # relu(Linear) blocks keep only their input, which the previous block's
    # output already is: per-block forget saves nothing.
    rechain.random.seed(0)
    blocks = [rechain.Sequential(L.Linear(64, 64), F.relu) for _ in range(6)]
    costs = R.measure(blocks, _input(128, 64), repeat=1)
    full = R.store_all(costs)
    plan = R.optimal(costs, full.predicted_peak)
    assert plan.schedule == full.schedule
    per_block = R.simulate(costs, tuple(R.Segment(i, i + 1) for i in range(6)))
    assert per_block[0] >= full.predicted_peak * 0.95   # (almost) no memory gain ...
    assert per_block[1] > full.predicted_time           # ... for more time


@pytest.mark.parametrize("kwargs, message", [
    (dict(plan=(0, 1), segments=2), "at most one of plan, budget and segments"),
    (dict(segments=0), "segments must be a positive int"),
    (dict(budget="lots"), "budget|bytes"),
    (dict(plan=(0,)), "schedule|cover|block"),
])
def test_forget_bad_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        _resmlp(2).forget(**kwargs)


def test_run_and_measure_bad_input():
    with pytest.raises(TypeError, match=r"blocks\[1\] is not callable"):
        R.measure([F.relu, 3], _input())
    with pytest.raises(ValueError, match="no block"):
        R.measure([], _input())
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        R.measure([F.relu], _input(), repeat=0)


def test_infeasible_budget_names_the_smallest(chain8):
    _, _, _, costs = chain8
    with pytest.raises(R.InfeasibleBudget) as info:
        R.optimal(costs, 1000)
    smallest = info.value.min_budget
    assert f"{smallest}" in str(info.value)
    R.optimal(costs, smallest)  # and that one is feasible

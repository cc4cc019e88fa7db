"""Evaluating schedules in closed form, and what every planner shares.

The peak and time of a schedule under the memory model of
``rechain/recompute/plan.py`` (``evaluate``; ``plan.simulate`` walks the same
model step by step and the tests check they agree), the common opening of a
planner (``start``: parse the budget, return store-all when it fits), pruning
and ``InfeasibleBudget``.

back to the fine blocks and evaluated exactly.

Note "pruning". After planning, each forget region in turn is replaced by its
inner items; the change is kept when the time falls (or stays) and the peak
stays within the limit: the plan's own peak for the fixed planners, the
budget for ``optimal``. So per-block forget of a block that keeps nothing
beyond its input (Linear+ReLU) is dropped: the block input is already what
the plain graph keeps.
"""

import math

from rechain.recompute import costs as costs_lib
from rechain.recompute import plan as plan_lib

_INF = float("inf")


class InfeasibleBudget(ValueError):
    """No plan of the planner fits the budget.

    Attributes:
        planner: Name of the planner.
        budget: The budget asked for, in bytes.
        min_budget: The smallest budget in bytes at which the planner returns
            a plan.
    """

    def __init__(self, planner, budget, min_budget):
        self.planner = planner
        self.budget = budget
        self.min_budget = min_budget
        super().__init__(
            f"{planner}: no plan fits a budget of {budget} bytes "
            f"({budget / plan_lib.MiB:.2f} MiB); the smallest feasible budget is "
            f"{min_budget} bytes ({min_budget / plan_lib.MiB:.2f} MiB)")


class _Chain:
    """The numbers of a ChainCosts as lists, 0-based (see "memory model")."""

    def __init__(self, costs):
        if not isinstance(costs, costs_lib.ChainCosts):
            raise TypeError(f"planner: costs must be a ChainCosts, got {type(costs).__name__}")
        self.costs = costs
        self.n = costs.n
        self.A = [costs.input_bytes] + [b.out_bytes for b in costs.blocks]
        self.S = [b.saved_bytes for b in costs.blocks]
        self.T = [b.temp_bytes for b in costs.blocks]
        self.W = [b.grad_bytes for b in costs.blocks]
        self.F = [b.fwd_time for b in costs.blocks]
        self.B = [b.bwd_time for b in costs.blocks]
        # backward transient of a block stored inside a re-run (memory model,
        # rule 6): measured (at least A_i + W_i), or for None the plain rule
        self.R_given = [b.rerun_bwd_bytes for b in costs.blocks]
        # R: at top level (rule 9); Rr: stored inside a re-run (rule 6)
        self.R = [b.top_backward(self.A[i]) for i, b in enumerate(costs.blocks)]
        self.Rr = [b.rerun_backward(self.A[i]) for i, b in enumerate(costs.blocks)]
        # a stored block inside a re-run (rule 9): what it keeps there and its
        # peak as the re-run's last item
        self.Sr = [b.rerun_saved() for b in costs.blocks]
        self.L = [b.rerun_last(self.A[i]) for i, b in enumerate(costs.blocks)]
        self.const = costs.const_bytes
        self.per_byte = costs.seconds_per_byte
        self.G = _gradient_totals(self.A, self.W)

    def phi(self, l, m):
        """Peak above the base while blocks l..m-1 run in a forgetting pass."""
        A, S, T = self.A, self.S, self.T
        return max((A[j] if j > l else 0) + A[j + 1] + S[j] + T[j] for j in range(l, m))


def _gradient_totals(A, W):
    """``G[k]``: what backward holds once it reaches ``h_k``: the gradient of
    ``h_k`` and the parameter gradients of blocks ``k..n-1``."""
    G = [0] * len(A)
    kept = 0
    for k in range(len(A) - 1, -1, -1):
        G[k] = A[k] + kept
        if k > 0:
            kept += W[k - 1]
    return G


class _Region:
    """A mutable forget region, used while a schedule is being edited."""

    __slots__ = ("start", "stop", "inner")

    def __init__(self, start, stop, inner):
        self.start, self.stop, self.inner = start, stop, inner


def _rec_cost(ch, items, end):
    """Peak above the base and time of ``items`` re-run over ``..end-1``.

    The base holds the input of the first item and what backward holds at
    ``h_end`` (``G[end]``). These are the closed forms of the memory model for
    a re-run; ``plan.simulate`` walks the same model step by step.
    """
    A, S, T, G = ch.A, ch.Sr, ch.T, ch.G       # S: what a re-run keeps (rule 9)
    peak = None
    time = 0.0
    for item in reversed(items):
        # once the items after this one are done, backward holds G[stop] in
        # place of G[end], and they have freed what they kept
        if isinstance(item, int):
            i = item
            time += ch.F[i] + ch.B[i]
            fwd = A[i + 1] + S[i] + T[i]
            bwd = ch.Rr[i]                  # rules 6 and 9 inside a re-run
            if peak is None:                # last item: one peak (rule 9)
                peak = ch.L[i]
            else:
                peak = max(fwd, S[i] + A[i + 1] + peak, S[i] + G[i + 1] - G[end] + bwd)
        else:
            l, m = item.start, item.stop
            inner_peak, inner_time = _rec_cost(ch, item.inner, m)
            time += inner_time
            if peak is None:                # last item: not run (note "early stop")
                peak = inner_peak
            else:
                time += sum(ch.F[l:m])
                peak = max(ch.phi(l, m), A[m] + peak, G[m] - G[end] + inner_peak)
    return peak, time


def _item_costs(ch, item):
    """What a top-level item keeps, its forward and backward moments, its time.

    Returns:
        ``(kept, forward, backward, time)``: the bytes it keeps from its
        forward to its backward, its forward peak above what is alive before
        it, its backward peak above what the items before it keep (the
        chain's output ``h_n`` and the gradients of the later blocks
        included; note "top level"), and its seconds.
    """
    A, S, G = ch.A, ch.S, ch.G
    n = ch.n
    if isinstance(item, int):
        i = item
        return (S[i] + A[i + 1], A[i + 1] + S[i] + ch.T[i], S[i] + A[n] + G[i + 1] + ch.R[i],
                ch.F[i] + ch.B[i])
    l, m = item.start, item.stop
    inner_peak, inner_time = _rec_cost(ch, item.inner, m)
    return A[m], ch.phi(l, m), A[n] + G[m] + inner_peak, sum(ch.F[l:m]) + inner_time


def _evaluate(ch, schedule):
    """Peak bytes and time of a top-level schedule (note "top level")."""
    kept = forward = backward = 0
    time = 0.0
    for item in schedule:
        item_kept, item_forward, item_backward, item_time = _item_costs(ch, item)
        forward = max(forward, kept + item_forward)
        backward = max(backward, kept + item_backward)
        kept += item_kept
        time += item_time
    peak = ch.A[0] + max(forward, kept + ch.A[ch.n], backward)
    return ch.const + peak, time + ch.per_byte * peak      # rule 8, Note [time model]


def evaluate(costs, schedule):
    """Peak bytes and time of a schedule, in closed form.

    Gives the same numbers as ``plan.simulate`` (tests check it), faster.

    Args:
        costs: A ``ChainCosts``.
        schedule: Items (ints and ``Segment``) covering all blocks.

    Returns:
        ``(peak_bytes, time)``.
    """
    ch = _Chain(costs)
    return _evaluate(ch, plan_lib.check_schedule(schedule, ch.n))


def _parse_budget(name, budget):
    if budget is None:
        return None
    if isinstance(budget, str) and budget.strip().endswith("%"):
        raise ValueError(
            f"{name}: budget_bytes {budget!r} is a percentage; planners take bytes (an int "
            f"or a string such as '300MiB'). Percentages of the store-all peak are accepted "
            f"by Sequential.forget(budget=...) / ChainList.forget(budget=...), by the "
            f"--budget of 'rechain plan' and 'rechain demo', and by "
            f"rechain.recompute.apply.resolve_budget(apply.parse_budget({budget!r}), costs), "
            f"which gives the bytes")
    try:
        return plan_lib.parse_bytes(budget)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{name}: bad budget_bytes: {error}") from None


def _freeze(items):
    return tuple(item if isinstance(item, int)
                 else plan_lib.Segment(item.start, item.stop, _freeze(item.inner))
                 for item in items)


def _thaw(items):
    return [item if isinstance(item, int)
            else _Region(item.start, item.stop, _thaw(item.inner)) for item in items]


def _prune(ch, schedule, limit=None):
    """Remove forget regions that buy nothing (note "pruning").

    Each region in turn is replaced by its inner items. The change is kept
    when the peak stays within ``limit`` (``None``: within the current peak)
    and the time goes down, or the time stays and the peak does not rise.
    Sweeps repeat until nothing changes.

    Returns:
        The schedule as a tuple of ints and ``Segment``.
    """
    tree = _thaw(schedule)
    peak, time = _evaluate(ch, tree)

    def sweep(items):
        nonlocal peak, time
        changed = False
        k = 0
        while k < len(items):
            item = items[k]
            if isinstance(item, int):
                k += 1
                continue
            items[k:k + 1] = item.inner
            new_peak, new_time = _evaluate(ch, tree)
            bound = peak if limit is None else limit
            if new_peak <= bound and (new_time < time or (new_time <= time and new_peak <= peak)):
                peak, time = new_peak, new_time
                changed = True              # the spliced items are visited next
            else:
                items[k:k + len(item.inner)] = [item]
                changed |= sweep(item.inner)
                k += 1
        return changed

    while sweep(tree):
        pass
    return _freeze(tree)


def _store_all_schedule(n):
    return tuple(range(n))


def _plan(name, ch, schedule, budget):
    peak, time = _evaluate(ch, schedule)
    return plan_lib.Plan(name, tuple(schedule), peak, time, budget, ch.costs)


def _start(name, costs, budget_bytes):
    """Common opening: parse, and return the store-all plan when it fits."""
    ch = _Chain(costs)
    budget = _parse_budget(name, budget_bytes)
    base = _plan(name, ch, _store_all_schedule(ch.n), budget)
    if budget is None or budget >= base.predicted_peak:
        return ch, budget, base, True
    return ch, budget, base, False



def baseline_schedules(n):
    """The schedules every plan is checked against (see ``dominant``).

    Store-all, forget every block (each block its own region), and
    ``segments(k)`` for ``k`` in 2, 3, 4, 6, 8 and ``round(sqrt(n))``
    (those a user tries; every ``k`` would cost O(n^3) evaluations with
    pruning; ``segments(n)`` is forget every block but the last), as
    ``(name, schedule)``.
    """
    out = [("store_all", _store_all_schedule(n)),
           ("forget every block", tuple(plan_lib.Segment(i, i + 1) for i in range(n)))]
    ks = {2, 3, 4, 6, 8, int(round(math.sqrt(n)))}
    for k in sorted(k for k in ks if 2 <= k <= n):
        out.append((f"segments({k})", plan_lib.segments_schedule(n, k)))
    return out


def dominant(ch, schedule, budget):
    """``schedule``, or a baseline that fits ``budget`` and beats it.

    Note "dominance". A plan is checked against the baselines a user would
    try first (``baseline_schedules``, each pruned): one that fits the budget
    and is faster in the model, or as fast with a lower peak, replaces it.
    ``optimal`` is exact only for sizes rounded to slots, so near the edges
    of its grid a baseline can win in bytes; this makes "optimal is never
    beaten by store-all, forget-every-block or segments(k) at the same or a
    lower peak" hold by construction. O(n^2) evaluations, each O(n).

    Returns:
        The schedule to use, as a tuple.
    """
    peak, time = _evaluate(ch, schedule)
    best = tuple(schedule)
    for _, candidate in baseline_schedules(ch.n):
        if _evaluate(ch, candidate)[0] > budget:
            continue    # pruning keeps or lowers the peak; over the budget, skip it
        variant = _prune(ch, candidate)
        c_peak, c_time = _evaluate(ch, variant)
        if c_peak <= budget and (c_time < time or (c_time == time and c_peak < peak)):
            best, peak, time = tuple(variant), c_peak, c_time
    return best

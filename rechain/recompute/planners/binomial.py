"""``revolve``: Griewank's binomial checkpointing, for chains of identical blocks."""

import math
import numbers
import statistics

from rechain.recompute.planners.evaluation import (InfeasibleBudget, _evaluate, _plan, _prune,
                                                   _Region, _start)

#: (its regions nest that deep).
_REVOLVE_MAX_DEPTH = 400

def _repetitions(n, c):
    """Least r with binom(c + r, c) >= n: with c checkpoints (the input one
    included), n steps can be reversed running no step more than r + 1
    times (Griewank 1992)."""
    r = 0
    while math.comb(c + r, c) < n:
        r += 1
    return r


def revolve_forward_steps(n, snapshots):
    """Forward block executions of binomial checkpointing, in closed form.

    Reversing ``n`` identical blocks with the chain input kept and
    ``snapshots`` further activations kept at most at a time. Griewank
    (1992) shows that with ``c`` checkpoints (input included) the least
    number of forward steps besides the taped ones is ``r*n - binom(c+r,
    c+1)``, ``r`` the least integer with ``binom(c+r, c) >= n``; each of the
    ``n`` blocks also runs once taped right before its backward. Here
    ``c = snapshots + 1``.

    Args:
        n: Number of blocks, at least 1.
        snapshots: Activations kept besides the chain input, at least 0.

    Returns:
        The number of forward block executions, taped ones included.

    Example:
        >>> revolve_forward_steps(10, 0)     # 10 + 9 + ... + 1
        55
    """
    for name, value, low in (("n", n, 1), ("snapshots", snapshots, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
            raise ValueError(f"revolve_forward_steps: {name} must be an int >= {low}, "
                             f"got {value!r}")
    c = snapshots + 1
    r = _repetitions(n, c)
    return n + r * n - math.comb(c + r, c + 1)


def _revolve_split(length, snapshots):
    """How far to advance before the next checkpoint, binomially optimal.

    With ``c = snapshots + 1`` checkpoints and ``r`` repetitions for
    ``length`` steps, any advance ``j`` with ``max(binom(c+r-2, c),
    length - binom(c+r-1, c-1)) <= j`` and at most ``min(binom(c+r-1, c),
    length - binom(c+r-2, c-1))`` is optimal; the smallest is used.
    """
    if snapshots == 0:
        return length - 1
    c = snapshots + 1
    r = _repetitions(length, c)
    low = length - math.comb(c + r - 1, c - 1)
    if r >= 2:
        low = max(low, math.comb(c + r - 2, c))
    return max(1, low)


def _revolve_items(lo, hi, snapshots):
    """Binomial schedule of blocks lo..hi-1 with ``snapshots`` free checkpoints."""
    items = []
    while hi - lo > 1:
        j = _revolve_split(hi - lo, snapshots)
        items.append(_Region(lo, lo + j, _revolve_items(lo, lo + j, snapshots)))
        if hi - lo - j > 1:
            snapshots -= 1            # h_{lo+j} becomes a checkpoint
        lo += j
    items.append(lo)
    return items


#: Tolerances of ``revolve``'s homogeneity check: sizes are deterministic
#: (measured under tracemalloc, a few bytes of Python objects apart), times
#: carry timing noise (measure takes medians; a busy machine still moves them).
_BYTES_TOLERANCE = 0.01
_TIME_TOLERANCE = 0.10


def _check_homogeneous(costs):
    """Raise unless every block is within tolerance of the median block.

    The median, not the mean: one outlier (a block timed during a preemption)
    is then the block named, not a shift that makes every block look off.
    """
    fields = (("fwd_time", _TIME_TOLERANCE), ("bwd_time", _TIME_TOLERANCE),
              ("out_bytes", _BYTES_TOLERANCE), ("saved_bytes", _BYTES_TOLERANCE),
              ("temp_bytes", _BYTES_TOLERANCE))
    for name, tolerance in fields:
        values = [getattr(b, name) for b in costs.blocks]
        middle = statistics.median(values)
        for i, value in enumerate(values):
            if abs(value - middle) > tolerance * abs(middle):
                off = abs(value - middle) / abs(middle) * 100 if middle else math.inf
                raise ValueError(
                    f"revolve: the blocks are not homogeneous within {tolerance:.0%}: block {i} "
                    f"has {name}={value!r} while the median is {middle:.6g} ({off:.1f}% off); "
                    f"revolve assumes identical blocks (sizes within 1%, times within 10%), "
                    f"use optimal() for heterogeneous chains")


def revolve(costs, budget_bytes):
    """Griewank's binomial checkpointing, for chains of identical blocks.

    For each number ``s`` of snapshots, the schedule with the fewest forward
    steps (``revolve_forward_steps(n, s)``: the binomial closed form, with
    the binomially optimal split at each level) is built; the fastest one
    within the budget is returned. Stored blocks other than the one being
    reversed are not used: that is what ``optimal`` adds.

    Args:
        costs: A ``ChainCosts`` whose blocks agree with the median block
            within 1% in sizes and 10% in times.
        budget_bytes: Bytes, a string such as ``"300MiB"``, or None.

    Returns:
        A ``Plan``.

    Raises:
        ValueError: The blocks are not homogeneous (sizes within 1%, times
            within 10% of the median block).
        InfeasibleBudget: No number of snapshots fits the budget.

    Example:
        >>> plan = revolve(ChainCosts.uniform(64, 1e-3, 2e-3, 1 << 20), "20MiB")
    """
    ch, budget, base, fits = _start("revolve", costs, budget_bytes)
    _check_homogeneous(costs)
    if fits:
        return base
    best, best_key, least_peak = None, None, base.predicted_peak
    for snapshots in range(ch.n):
        if _repetitions(ch.n, snapshots + 1) > _REVOLVE_MAX_DEPTH:
            continue                  # regions nested deeper than Python recurses
        items = _revolve_items(0, ch.n, snapshots)
        peak, time = _evaluate(ch, items)
        least_peak = min(least_peak, peak)
        if peak <= budget and (best_key is None or (time, peak) < best_key):
            best, best_key = items, (time, peak)
        if _repetitions(ch.n, snapshots + 1) <= 1:
            break                     # more snapshots change nothing
    if best is None:
        raise InfeasibleBudget("revolve", budget, least_peak)
    return _plan("revolve", ch, _prune(ch, best), budget)

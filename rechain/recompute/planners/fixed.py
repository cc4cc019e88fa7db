"""Planners with a fixed schedule: store-all, ``segments(k)``, ``sqrt``."""

import math
import numbers

from rechain.recompute import plan as plan_lib
from rechain.recompute.planners.evaluation import (InfeasibleBudget, _Chain, _plan, _prune,
                                                   _start)

def store_all(costs, budget_bytes=None):
    """Plain training: every block stored, nothing recomputed.

    Args:
        costs: A ``ChainCosts``.
        budget_bytes: Bytes, a string such as ``"300MiB"``, or None.

    Returns:
        A ``Plan``.

    Raises:
        InfeasibleBudget: The store-all peak exceeds the budget.

    Example:
        >>> store_all(costs).predicted_peak
    """
    ch, budget, base, fits = _start("store_all", costs, budget_bytes)
    if not fits:
        raise InfeasibleBudget("store_all", budget, base.predicted_peak)
    return base


def _fixed(name, costs, budget_bytes, make_schedule):
    """A planner with a fixed schedule: prune it, check it fits.

    Without a budget the fixed schedule is the answer (``checkpoint_sequential``
    semantics); with a budget at or above the store-all peak, store_all is.
    """
    ch, budget, base, fits = _start(name, costs, budget_bytes)
    if fits and budget_bytes is not None:
        return base
    schedule = _prune(ch, make_schedule(ch.n))
    result = _plan(name, ch, schedule, budget)
    if budget is not None and result.predicted_peak > budget:
        raise InfeasibleBudget(name, budget, min(result.predicted_peak, base.predicted_peak))
    return result


def segments(k):
    """Make the planner that splits the chain into ``k`` equal segments.

    Chen et al. 2016 ("Training deep nets with sublinear memory cost"), what
    PyTorch's ``checkpoint_sequential`` does: the chain is cut into ``k``
    segments of equal length (to within one block); each but the last is a
    forget region whose re-run stores everything; the last runs plainly
    (forgetting it would be re-run at once, for nothing). Regions that save
    no memory are dropped (note "pruning").

    Args:
        k: Number of segments, at least 1 (more than the number of blocks
            means one block each).

    Returns:
        A planner ``(costs, budget_bytes) -> Plan``.

    Raises:
        TypeError, ValueError: ``k`` is not an int >= 1.

    Example:
        >>> plan = segments(4)(costs, "300MiB")
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"segments: k must be an int, got {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"segments: k must be >= 1, got {k}")
    k = int(k)
    name = f"segments({k})"

    def planner(costs, budget_bytes=None):
        return _fixed(name, costs, budget_bytes, lambda n: plan_lib.segments_schedule(n, k))

    planner.__name__ = planner.__qualname__ = name
    planner.__doc__ = f"Chen et al. 2016 with {k} segments; see ``segments``."
    return planner


def sqrt(costs, budget_bytes=None):
    """Chen et al. 2016 with ``round(sqrt(n))`` segments.

    Args:
        costs: A ``ChainCosts``.
        budget_bytes: Bytes, a string such as ``"300MiB"``, or None.

    Returns:
        A ``Plan``.

    Raises:
        InfeasibleBudget: The plan does not fit the budget.
    """
    n = _Chain(costs).n
    k = max(1, int(round(math.sqrt(n))))
    return _fixed("sqrt", costs, budget_bytes, lambda n: plan_lib.segments_schedule(n, k))


"""Recomputation: the machinery behind F.forget, and planning what to forget.

- ``region``: forget regions (Note [forget regions]), ``RecomputeError``,
  ``replayed_state`` for stateful links.
- ``costs`` / ``measure``: per-block costs of a chain, measured in one pass.
- ``plan`` / ``planners``: pure functions ``(costs, budget) -> Plan``.
- ``apply``: run a chain as a plan says.
- ``eviction``: a memory budget for any model, at the op level (``budget``);
  ``policies``: selective recomputation (``selective``, ``checkpoint``,
  policies); ``account``: the saved-array account both are built on, and the
  cost model of a re-run.
"""

import importlib

from rechain.recompute.costs import BlockCost, ChainCosts  # noqa: F401
from rechain.recompute.measure import measure  # noqa: F401
from rechain.recompute.plan import Plan, Segment, parse_bytes, simulate  # noqa: F401
from rechain.recompute.region import RecomputeError, replayed_state  # noqa: F401
from rechain.recompute.eviction import Budget, BudgetError, BudgetWarning, budget  # noqa: F401
from rechain.recompute.policies import (Selective, checkpoint, checkpoint_dots,  # noqa: F401
                                         dots_saveable, everything_saveable,
                                         nothing_saveable, save_only, selective)

# The planners and the planned chains load on first use (PEP 562): the
# core, the functions (F.forget) and the links import rechain.recompute for
# regions, and need no planner to be used (issue 11).
_LAZY = {"PlannedChain": "apply", "parse_budget": "apply", "run": "apply",
         "InfeasibleBudget": "planners", "optimal": "planners", "revolve": "planners",
         "segments": "planners", "sqrt": "planners", "store_all": "planners"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rechain.recompute' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"rechain.recompute.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

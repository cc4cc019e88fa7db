"""Recomputation: the machinery behind F.forget, and planning what to forget.

- ``region``: forget regions (Note [forget regions]), ``RecomputeError``,
  ``replayed_state`` for stateful links.
- ``costs`` / ``measure``: per-block costs of a chain, measured in one pass.
- ``plan`` / ``planners``: pure functions ``(costs, budget) -> Plan``.
- ``apply``: run a chain as a plan says.
- ``eviction``: a memory budget for any model and selective recomputation, at
  the op level (``budget``, ``selective``, ``checkpoint``, policies).
"""

from rechain.recompute.apply import PlannedChain, parse_budget, run  # noqa: F401
from rechain.recompute.costs import BlockCost, ChainCosts  # noqa: F401
from rechain.recompute.measure import measure  # noqa: F401
from rechain.recompute.plan import Plan, Segment, parse_bytes, simulate  # noqa: F401
from rechain.recompute.planners import (InfeasibleBudget, optimal, revolve,  # noqa: F401
                                        segments, sqrt, store_all)
from rechain.recompute.region import RecomputeError, replayed_state  # noqa: F401
from rechain.recompute.eviction import (Budget, Selective, budget, checkpoint,  # noqa: F401
                                        checkpoint_dots, dots_saveable,
                                        everything_saveable, nothing_saveable,
                                        save_only, selective)

"""Planners: which blocks of a chain to forget, under a memory budget.

Every planner has the signature ``planner(costs, budget_bytes) -> Plan``:
``costs`` is a ``ChainCosts``, ``budget_bytes`` an int, a string such as
``"300MiB"`` (see ``plan.parse_bytes``) or None for no limit. Peaks and times
follow the memory model of ``rechain/recompute/plan.py``; planners are pure
functions on those numbers and never touch a graph.

Shared rules:

- A budget at or above the store-all peak (or None) returns the store-all
  plan: nothing is recomputed.
- A budget no plan of the planner fits raises ``InfeasibleBudget`` (a
  ``ValueError``) naming the smallest budget that works, in bytes and MiB;
  called with that budget, the planner returns a plan.
- A plan never pays recomputation for no memory gain (note "pruning").
- ``optimal`` is never slower than a baseline (store-all, forget every
  block, ``segments(k)``) that fits the same budget (note "dominance").

Planners:

- ``store_all``: plain training.
- ``segments(k)`` / ``sqrt``: Chen et al. 2016, what ``checkpoint_sequential``
  does: ``k`` equal segments, all but the last one forget regions.
- ``optimal``: the dynamic program of Beaumont et al. 2019 ("Optimal
  checkpointing for heterogeneous chains") over persistent schedules, memory
  discretised into slots (notes "optimal" and "top level").
- ``revolve``: Griewank's binomial checkpointing for homogeneous chains.

The package reads as its design, one module per solver, all pure functions
of a ``ChainCosts`` (none imports a link, a variable or a function node):

- ``evaluation``: the closed-form peak and time of a schedule (the same
  numbers as ``plan.simulate``), pruning, ``InfeasibleBudget``, and
  ``dominant`` (a plan checked against the baselines of
  ``baseline_schedules``);
- ``fixed``: ``store_all``, ``segments(k)``, ``sqrt``;
- ``rotor``: ``optimal``, its slot dynamic program, the least-peak program
  and coarsening;
- ``binomial``: ``revolve``.
"""

from rechain.recompute.planners.binomial import revolve, revolve_forward_steps  # noqa: F401
from rechain.recompute.planners.evaluation import InfeasibleBudget, evaluate  # noqa: F401
from rechain.recompute.planners.fixed import segments, sqrt, store_all  # noqa: F401
from rechain.recompute.planners.rotor import optimal  # noqa: F401

__all__ = [
    "InfeasibleBudget", "store_all", "segments", "sqrt", "optimal", "revolve",
    "revolve_forward_steps", "evaluate",
]

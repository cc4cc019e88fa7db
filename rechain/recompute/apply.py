"""Run a chain of blocks as a plan says: plain blocks and (nested) forget regions.

A schedule item ``i`` calls block ``i``; a ``Segment(start, stop, inner)``
calls ``F.forget`` on a function that runs ``inner``, so nested segments are
nested forget regions. During the forward pass a region keeps its input only;
when backward replays it, the blocks ``inner`` lists as ints keep their arrays
and nested segments keep their inputs (see rechain/recompute/region.py).

Budgets (Note [budgets]). A budget is bytes or a fraction of the store-all
peak, never a bare float in between: an int (``500000``), a float above 1
(``5e5``: bytes, rounded down), a string with a unit (``"300MiB"``), or a
percentage string (``"60%"``). A float in (0, 1] is refused with an error
pointing to ``"60%"``: read as bytes it would be a budget of zero bytes,
read as a fraction it would be a guess. :func:`parse_budget` returns an int
or a :class:`Percent`; :func:`resolve_budget` turns a ``Percent`` into bytes
for given costs (the store-all peak of *those* costs, so that a percentage
stays relative to the shape the costs were measured or scaled for).

Note [when a planned chain plans]. ``PlannedChain`` plans for the shape of a
training step: a call with ``config.train`` and ``config.enable_backprop``
both True. Any other call (``rechain.no_backprop_mode()``, ``train=False``
for evaluation) runs the blocks plainly, with no forget region and no
measurement: nothing is kept for a backward that will not come. Plans are
cached per (input shape, dtype, blocks): a new shape in the batch axis only
re-plans from the measured costs scaled to the new batch (activations and
times scale with the batch, parameter gradients and the constant do not;
``PlanWarning`` says so, once per shape); another new shape, or new blocks,
is measured. ``PlannedChain.remeasure(x)`` measures the given input anew.
The chain's blocks are read at every call, never kept: a block appended
after planning is planned with the others (budget), covered (segments, the
default), or reported (a fixed plan, which covers a fixed number of blocks).
"""

import dataclasses
import importlib
import math
import numbers
import warnings

from rechain import configuration
from rechain.recompute import plan as plan_lib
from rechain.recompute import planners

# the module, not the function rechain.recompute.measure that shadows its name
_measure = importlib.import_module("rechain.recompute.measure")


class PlanWarning(UserWarning):
    """A planned chain re-planned from scaled costs, not from a measurement."""


@dataclasses.dataclass(frozen=True)
class Percent:
    """A budget given as a fraction of the store-all peak (``"60%"``).

    Attributes:
        fraction: In (0, 1].
    """

    fraction: float

    def __str__(self):
        return f"{self.fraction * 100:g}%"


def _run_items(blocks, items, h):
    for item in items:
        if isinstance(item, plan_lib.Segment):
            h = _forget_segment(blocks, item, h)
        else:
            h = blocks[item](h)
    return h


def _forget_segment(blocks, segment, h):
    from rechain.functions.util.forget import forget
    inner = segment.inner

    def run_segment(v):
        return _run_items(blocks, inner, v)

    run_segment.__qualname__ = f"segment[{segment.start}:{segment.stop}]"
    return forget(run_segment, h)


def run(blocks, x, plan):
    """Run ``blocks`` on ``x`` following ``plan`` (a Plan or a schedule).

    Args:
        blocks: A ``Sequential``, a ``ChainList`` or a list of callables.
        x (Variable or ndarray): Input of the first block.
        plan (Plan or sequence): What to keep and what to recompute.

    Returns:
        Variable: The output of the last block.
    """
    if not isinstance(plan, (plan_lib.Plan, list, tuple)):
        raise TypeError(f"run: plan must be a Plan (from a planner such as "
                        f"rechain.recompute.optimal) or a schedule (a list of block indices "
                        f"and Segments), not {type(plan).__name__}")
    blocks = _measure.blocks_of(blocks)
    schedule = plan.schedule if isinstance(plan, plan_lib.Plan) else tuple(plan)
    plan_lib.check_schedule(schedule, len(blocks))
    return _run_items(blocks, schedule, x)


def parse_budget(budget):
    """Read a budget (Note [budgets]): bytes, or a ``Percent`` of the store-all peak.

    Args:
        budget: An int or a float above 1 (bytes), a string such as
            ``"300MiB"`` (bytes) or ``"60%"`` (a fraction), or a ``Percent``.

    Returns:
        An int (bytes) or a ``Percent``.

    Raises:
        ValueError: A float in (0, 1] (ambiguous: write ``"60%"``), a
            percentage outside (0, 100], or an unreadable size.
        TypeError: Neither a number nor a string.

    Example:
        >>> parse_budget("60%"), parse_budget("1KiB"), parse_budget(5e5)
        (Percent(fraction=0.6), 1024, 500000)
    """
    if isinstance(budget, Percent):
        return budget
    if isinstance(budget, str) and budget.strip().endswith("%"):
        text = budget.strip()[:-1]
        try:
            pct = float(text)
        except ValueError:
            raise ValueError(f"budget {budget!r}: expected a percentage such as '60%'") from None
        if not 0 < pct <= 100:
            raise ValueError(f"budget {budget!r}: a percentage must be in (0, 100]")
        return Percent(pct / 100.0)
    number = budget
    if isinstance(budget, str):
        try:
            number = float(budget.strip())     # a bare number written as text ...
            number = int(budget.strip())       # ... an integer one is bytes
        except ValueError:
            pass
    if isinstance(number, numbers.Real) and not isinstance(number, (bool, numbers.Integral)):
        value = float(number)
        if math.isfinite(value) and 0 < value <= 1:
            raise ValueError(
                f"budget {budget!r}: a float in (0, 1] is ambiguous; give a fraction of the "
                f"store-all peak as a string such as '{value * 100:g}%', or bytes as an int "
                f"or a string such as '300MiB'")
    return plan_lib.parse_bytes(budget)


def resolve_budget(budget, costs):
    """Bytes for a parsed budget: a ``Percent`` is of the store-all peak of ``costs``."""
    if isinstance(budget, Percent):
        return int(planners.store_all(costs).predicted_peak * budget.fraction)
    return budget


def _shape_key(x, blocks):
    array = getattr(x, "array", x)
    return (tuple(array.shape), str(array.dtype), tuple(id(b) for b in blocks))


class PlannedChain:
    """A chain that runs with forget regions placed by a plan.

    Made by ``Sequential.forget`` / ``ChainList.forget``. With a budget (bytes,
    ``"300MiB"``, or ``"60%"`` of the store-all peak; Note [budgets]), the
    chain is measured and planned at the first training call and re-planned
    as Note [when a planned chain plans] says; ``plan`` holds the plan of the
    last training call (for ``segments`` and the default, a ``Plan`` without
    predicted costs until a budget planned it).
    """

    def __init__(self, chain, plan=None, budget=None, segments=None, planner=None):
        given = [a is not None for a in (plan, budget, segments)]
        if sum(given) > 1:
            raise ValueError("forget: give at most one of plan, budget and segments")
        self.chain = chain
        blocks = _measure.blocks_of(chain)
        if not blocks:
            raise ValueError("forget: the chain has no block")
        self.budget = None if budget is None else parse_budget(budget)
        self.planner = planner or planners.optimal
        if segments is not None and (not isinstance(segments, int) or isinstance(segments, bool)
                                     or segments < 1):
            raise ValueError(f"forget: segments must be a positive int, got {segments!r}")
        self._segments = segments
        self._fixed = None
        if plan is not None:
            schedule = plan.schedule if isinstance(plan, plan_lib.Plan) else tuple(plan)
            self._fixed = plan_lib.check_schedule(schedule, len(blocks))
            self._fixed_n = len(blocks)
            self.plan = plan if isinstance(plan, plan_lib.Plan) else plan_lib.Plan(
                "given", self._fixed, None, None)
        else:
            self.plan = self._static_plan(len(blocks)) if budget is None else None
        self._plans = {}          # shape key -> Plan
        self._measured = {}       # (non-batch shape, dtype, blocks) -> (batch, ChainCosts)
        self._warned = set()

    @property
    def blocks(self):
        """The chain's blocks now (read from the chain at every call)."""
        return _measure.blocks_of(self.chain)

    @property
    def schedule(self):
        """The schedule of ``plan`` (None before a budgeted chain's first training call)."""
        return None if self.plan is None else self.plan.schedule

    def _static_plan(self, n):
        if self._segments is not None:
            return plan_lib.Plan(f"segments({self._segments})",
                                 plan_lib.segments_schedule(n, self._segments), None, None)
        return plan_lib.Plan("forget every block",
                             tuple(plan_lib.Segment(i, i + 1) for i in range(n)), None, None)

    def _plan_for(self, x, blocks):
        if self._fixed is not None:
            if len(blocks) != self._fixed_n:
                raise ValueError(
                    f"PlannedChain: the chain has {len(blocks)} blocks but its plan covers "
                    f"{self._fixed_n}: blocks were added or removed after "
                    f"planning; call forget() again with a plan for {len(blocks)} blocks")
            return self.plan
        if self.budget is None:
            if self.plan is None or len(self.plan.modes()) != len(blocks):
                self.plan = self._static_plan(len(blocks))
            return self.plan
        key = _shape_key(x, blocks)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._new_plan(x, blocks, key)
        return plan

    def _new_plan(self, x, blocks, key):
        from rechain import variable
        array = variable.as_array(x)
        shape, dtype, ids = key
        family = (shape[1:], dtype, ids)
        known = self._measured.get(family) if shape else None
        if known is not None and known[0] > 0 and shape[0] > 0:
            batch, costs = known
            costs = costs.scaled(shape[0] / batch)
            if key not in self._warned:
                self._warned.add(key)
                warnings.warn(
                    f"PlannedChain: input shape {shape} differs from the measured one in the "
                    f"batch axis only ({batch} -> {shape[0]}); re-planned from the measured "
                    f"costs scaled by {shape[0] / batch:.3g} (activation bytes and times); "
                    f"call remeasure(x) to measure this shape", PlanWarning, stacklevel=4)
        else:
            costs = _measure.measure(blocks, array)
            if shape:
                self._measured[family] = (shape[0], costs)
        return self.planner(costs, resolve_budget(self.budget, costs))

    def remeasure(self, x):
        """Measure the chain on ``x`` anew and plan for it; returns the plan."""
        blocks = self.blocks
        key = _shape_key(x, blocks)
        family = (key[0][1:], key[1], key[2])
        self._measured.pop(family, None)
        self._plans = {k: p for k, p in self._plans.items() if (k[0][1:], k[1], k[2]) != family}
        self.plan = self._plans[key] = self._new_plan(x, blocks, key)
        return self.plan

    def __call__(self, x):
        blocks = self.blocks
        if not blocks:
            raise ValueError("PlannedChain: the chain has no block")
        config = configuration.config
        if not (config.train and config.enable_backprop):
            # Note [when a planned chain plans]: no backward will come
            for block in blocks:
                x = block(x)
            return x
        self.plan = self._plan_for(x, blocks)
        return _run_items(blocks, self.plan.schedule, x)

    def __repr__(self):
        return f"<PlannedChain of {len(self.blocks)} blocks, schedule {self.schedule}>"

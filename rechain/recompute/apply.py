"""Run a chain of blocks as a plan says: plain blocks and (nested) forget regions.

A schedule item ``i`` calls block ``i``; a ``Segment(start, stop, inner)``
calls ``F.forget`` on a function that runs ``inner``, so nested segments are
nested forget regions. During the forward pass a region keeps its input only;
when backward replays it, the blocks ``inner`` lists as ints keep their arrays
and nested segments keep their inputs (see rechain/recompute/region.py).
"""

from rechain.recompute import measure as _measure
from rechain.recompute import plan as plan_lib
from rechain.recompute import planners


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
    """Bytes (int or ``"300MiB"``), or a fraction of the store-all peak (``"60%"``).

    Returns an int, or a float in (0, 1] for a fraction (see :func:`resolve_budget`).
    """
    if isinstance(budget, str) and budget.strip().endswith("%"):
        text = budget.strip()[:-1]
        try:
            pct = float(text)
        except ValueError:
            raise ValueError(f"budget {budget!r}: expected a percentage such as '60%'") from None
        if not 0 < pct <= 100:
            raise ValueError(f"budget {budget!r}: a percentage must be in (0, 100]")
        return pct / 100.0
    return plan_lib.parse_bytes(budget)


def resolve_budget(budget, costs):
    """Bytes for a parsed budget: fractions are of the store-all predicted peak."""
    if isinstance(budget, float):
        return int(planners.store_all(costs).predicted_peak * budget)
    return budget


class PlannedChain:
    """A chain that runs with forget regions placed by a plan.

    Made by ``Sequential.forget`` / ``ChainList.forget``. With a budget (bytes,
    ``"300MiB"``, or ``"60%"`` of the store-all peak), the
    chain is measured and planned on the first call (and again when the input
    shape changes); ``plan`` holds the current plan.
    """

    def __init__(self, chain, plan=None, budget=None, segments=None, planner=None):
        given = [a is not None for a in (plan, budget, segments)]
        if sum(given) > 1:
            raise ValueError("forget: give at most one of plan, budget and segments")
        self.chain = chain
        self.blocks = _measure.blocks_of(chain)
        if not self.blocks:
            raise ValueError("forget: the chain has no block")
        if budget is None or isinstance(budget, float):  # None, or a parsed fraction
            self.budget = budget
        else:
            self.budget = parse_budget(budget)
        self.planner = planner or planners.optimal
        self.plan = plan
        self._segments = segments
        self._shape = None
        if segments is not None:
            if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
                raise ValueError(f"forget: segments must be a positive int, got {segments!r}")
            self.schedule = plan_lib.segments_schedule(len(self.blocks), segments)
        elif plan is not None:
            self.schedule = plan.schedule if isinstance(plan, plan_lib.Plan) else tuple(plan)
            plan_lib.check_schedule(self.schedule, len(self.blocks))
        elif budget is None:  # default: every block in its own region
            self.schedule = tuple(plan_lib.Segment(i, i + 1) for i in range(len(self.blocks)))
        else:
            self.schedule = None

    def _ensure_plan(self, x):
        from rechain import variable
        shape = variable.as_array(x).shape
        if self.schedule is None or (self.budget is not None and shape != self._shape):
            costs = _measure.measure(self.blocks, variable.as_array(x), repeat=1)
            self.plan = self.planner(costs, resolve_budget(self.budget, costs))
            self.schedule = self.plan.schedule
            self._shape = shape

    def __call__(self, x):
        self._ensure_plan(x)
        return _run_items(self.blocks, self.schedule, x)

    def __repr__(self):
        return f"<PlannedChain of {len(self.blocks)} blocks, schedule {self.schedule}>"

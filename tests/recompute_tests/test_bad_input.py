"""Clear errors for bad arguments of the planners and of recompute.run (issue 12)."""

import numpy
import pytest

from rechain import recompute as R


@pytest.mark.parametrize("planner", [R.optimal, R.store_all, R.sqrt])
def test_a_percentage_given_to_a_planner_says_where_percentages_go(planner):
    costs = R.ChainCosts.uniform(4, 1e-3, 2e-3, 1 << 20)
    with pytest.raises(ValueError) as e:
        planner(costs, "60%")
    msg = str(e.value)
    assert "'60%' is a percentage; planners take bytes" in msg
    assert "forget(budget=...)" in msg and "resolve_budget" in msg


def test_the_percentage_route_the_message_names_works():
    from rechain.recompute import apply
    costs = R.ChainCosts.uniform(16, 1e-3, 2e-3, 1 << 20)
    budget = apply.resolve_budget(apply.parse_budget("60%"), costs)
    plan = R.optimal(costs, budget)
    assert plan.predicted_peak <= budget


@pytest.mark.parametrize("plan", [None, "0,1", 3])
def test_run_with_no_plan_names_the_argument(plan):
    with pytest.raises(TypeError, match=r"run: plan must be a Plan .* not "
                                        + type(plan).__name__):
        R.run([lambda h: h * 2], numpy.ones(3, numpy.float32), plan)

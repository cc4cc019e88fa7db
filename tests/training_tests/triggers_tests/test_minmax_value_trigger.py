"""BestValueTrigger, MaxValueTrigger, MinValueTrigger."""

import numpy
import pytest

import rechain
from rechain import serializers
from rechain.training import triggers

# One observation per iteration; comparisons every 2 iterations use the mean
# of the two values: means 2, 4, 3, 5, 1.
_VALUES = [1.0, 3.0, 4.0, 4.0, 2.0, 4.0, 5.0, 5.0, 0.0, 2.0]


def _observations(key="v"):
    return [{key: numpy.float32(v), "other": 0.0} for v in _VALUES]


def test_max_value_trigger(make_trainer, fire):
    t = triggers.MaxValueTrigger("v", trigger=(2, "iteration"))
    assert fire(t, make_trainer(), 10, _observations()) == [2, 4, 8]


def test_min_value_trigger(make_trainer, fire):
    t = triggers.MinValueTrigger("v", trigger=(2, "iteration"))
    assert fire(t, make_trainer(), 10, _observations()) == [2, 10]


def test_best_value_trigger_custom_compare_and_variables(make_trainer, fire):
    observations = [{"v": rechain.Variable(numpy.array(v))} for v in _VALUES]
    # "better" = farther from 3
    t = triggers.BestValueTrigger("v", lambda best, new: abs(new - 3) > abs(best - 3),
                                  trigger=(2, "iteration"))
    assert fire(t, make_trainer(), 10, observations) == [2, 8]


def test_serialize_mid_run_resumes(make_trainer, fire):
    whole = fire(triggers.MaxValueTrigger("v", (2, "iteration")), make_trainer(), 10,
                 _observations())
    t = triggers.MaxValueTrigger("v", (2, "iteration"))
    trainer = make_trainer()
    obs = _observations()
    head = fire(t, trainer, 5, obs[:5])  # stops between two comparisons
    s = serializers.DictionarySerializer()
    t.serialize(s)
    fresh = triggers.MaxValueTrigger("v", (2, "iteration"))
    fresh.serialize(serializers.NpzDeserializer(s.target))
    assert fresh._best_value == 4.0
    tail = fire(fresh, trainer, 5, obs[5:])
    assert head + tail == whole


def test_missing_key_at_comparison_raises_naming_it(make_trainer, fire):
    t = triggers.MinValueTrigger("validation/main/loss", (1, "iteration"))
    with pytest.raises(KeyError, match="validation/main/loss"):
        fire(t, make_trainer(), 1, [{"main/loss": 1.0}])

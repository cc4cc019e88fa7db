"""ManualScheduleTrigger."""

import warnings

import pytest

from rechain import serializers
from rechain.training import triggers


def test_iteration_points(make_trainer, fire):
    t = triggers.ManualScheduleTrigger([2, 5, 6], "iteration")
    trainer = make_trainer()
    assert fire(t, trainer, 5) == [2, 5]
    assert not t.finished
    assert fire(t, trainer, 5) == [6]
    assert t.finished


def test_single_point_and_epoch_unit(make_trainer, fire):
    # epoch_detail 0.3, 0.6, 0.9, 1.2, 1.5: point 1.0 is crossed at iteration 4
    assert fire(triggers.ManualScheduleTrigger(1.0, "epoch"), make_trainer(), 6) == [4]
    t = triggers.ManualScheduleTrigger([0.5, 1.5], "epoch")
    assert fire(t, make_trainer(), 6) == [2, 5]
    assert t.finished
    assert t.get_training_length() == (1.5, "epoch")


def test_serialize_round_trip(make_trainer, fire):
    t = triggers.ManualScheduleTrigger([3, 7], "iteration")
    trainer = make_trainer()
    assert fire(t, trainer, 4) == [3]
    s = serializers.DictionarySerializer()
    t.serialize(s)
    fresh = triggers.ManualScheduleTrigger([3, 7], "iteration")
    fresh.serialize(serializers.NpzDeserializer(s.target))
    assert fire(fresh, trainer, 6) == [7]
    assert fresh.finished
    s = serializers.DictionarySerializer()
    fresh.serialize(s)
    again = triggers.ManualScheduleTrigger([3, 7], "iteration")
    again.serialize(serializers.NpzDeserializer(s.target))
    assert again.finished


def test_missing_finished_flag_is_worked_out_on_next_call(make_trainer, fire):
    trainer = make_trainer()
    fire(triggers.ManualScheduleTrigger([2], "iteration"), trainer, 5)
    t = triggers.ManualScheduleTrigger([2], "iteration")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.serialize(serializers.NpzDeserializer({}))
    assert len(caught) == 3 and not t.finished
    assert fire(t, trainer, 1) == []
    assert t.finished


@pytest.mark.parametrize("points,unit,error", [
    ([], "iteration", ValueError), ([1.5], "iteration", ValueError),
    ([1], "step", ValueError), (["1"], "epoch", TypeError), ([-1], "epoch", ValueError),
])
def test_bad_arguments(points, unit, error):
    with pytest.raises(error, match="ManualScheduleTrigger"):
        triggers.ManualScheduleTrigger(points, unit)

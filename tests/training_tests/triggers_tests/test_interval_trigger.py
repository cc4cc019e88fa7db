"""IntervalTrigger."""

import warnings

import pytest

from rechain import serializers
from rechain.training import triggers


def _round_trip(trigger, fresh):
    s = serializers.DictionarySerializer()
    trigger.serialize(s)
    fresh.serialize(serializers.NpzDeserializer(s.target))
    return fresh


def test_iteration_unit(make_trainer, fire):
    assert fire(triggers.IntervalTrigger(3, "iteration"), make_trainer(), 10) == [3, 6, 9]


def test_epoch_unit_uses_epoch_detail(make_trainer, fire):
    # 3 examples of 10 per iteration: epoch_detail 0.3, 0.6, 0.9, 1.2, ...
    trainer = make_trainer(batch_size=3, epoch_size=10)
    assert fire(triggers.IntervalTrigger(1, "epoch"), trainer, 10) == [4, 7, 10]


def test_fractional_epoch_period(make_trainer, fire):
    trainer = make_trainer(batch_size=3, epoch_size=10)
    # crossings of 0.5, 1.0, 1.5, 2.0 happen at iterations 2, 4, 5, 7
    assert fire(triggers.IntervalTrigger(0.5, "epoch"), trainer, 7) == [2, 4, 5, 7]


@pytest.mark.parametrize("unit,period", [("iteration", 4), ("epoch", 0.7)])
def test_serialize_resumes_the_same_sequence(make_trainer, fire, unit, period):
    whole = fire(triggers.IntervalTrigger(period, unit), make_trainer(), 20)
    first = triggers.IntervalTrigger(period, unit)
    trainer = make_trainer()
    head = fire(first, trainer, 9)
    resumed = _round_trip(first, triggers.IntervalTrigger(period, unit))
    tail = fire(resumed, trainer, 11)
    assert head + tail == whole


def test_missing_keys_warn_and_guess(make_trainer, fire):
    trainer = make_trainer()
    fire(triggers.IntervalTrigger(2, "iteration"), trainer, 3)
    t = triggers.IntervalTrigger(2, "iteration")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.serialize(serializers.NpzDeserializer({}))
    assert len(caught) == 2
    # guessed from the current iteration (3 -> previous 2): fires at 4
    assert fire(t, trainer, 2) == [4]


def test_str_and_length():
    t = triggers.IntervalTrigger(5, "epoch")
    assert str(t) == "IntervalTrigger(5, 'epoch')"
    assert t.get_training_length() == (5, "epoch")

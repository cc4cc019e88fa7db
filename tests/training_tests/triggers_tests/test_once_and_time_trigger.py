"""OnceTrigger and TimeTrigger."""

import pytest

from rechain import serializers
from rechain.training import triggers


def _reload(trigger, fresh):
    s = serializers.DictionarySerializer()
    trigger.serialize(s)
    fresh.serialize(serializers.NpzDeserializer(s.target))
    return fresh


def test_once_fires_once(make_trainer, fire):
    t = triggers.OnceTrigger()
    assert not t.finished
    assert fire(t, make_trainer(), 4) == [1]
    assert t.finished


@pytest.mark.parametrize("call_on_resume,expected", [(False, []), (True, [6])])
def test_once_after_resume(make_trainer, fire, call_on_resume, expected):
    t = triggers.OnceTrigger(call_on_resume)
    trainer = make_trainer()
    fire(t, trainer, 5)
    fresh = _reload(t, triggers.OnceTrigger(call_on_resume))
    assert fire(fresh, trainer, 3) == expected


def test_once_resumed_before_first_call_still_fires(make_trainer, fire):
    fresh = _reload(triggers.OnceTrigger(), triggers.OnceTrigger())
    assert fire(fresh, make_trainer(), 2) == [1]


def test_time_trigger_with_fake_clock(make_trainer):
    t = triggers.TimeTrigger(10.0)
    trainer = make_trainer()
    fired = []
    for i, elapsed in enumerate([3.0, 9.9, 10.0, 10.5, 15.0, 20.5, 21.0, 40.0]):
        trainer.elapsed_time = elapsed
        if t(trainer):
            fired.append(i)
    # fires after 10 s (10.5), after 20 s (20.5), once at 40 s (then next is 40)
    assert fired == [3, 5, 7]
    fresh = _reload(t, triggers.TimeTrigger(10.0))
    trainer.elapsed_time = 40.5
    assert fresh(trainer) is True  # the next firing time (40) came with it


def test_time_trigger_rejects_bad_period():
    with pytest.raises(ValueError, match="TimeTrigger"):
        triggers.TimeTrigger(0)

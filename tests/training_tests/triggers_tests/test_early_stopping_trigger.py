"""EarlyStoppingTrigger."""

import pytest

from rechain import serializers
from rechain.training import triggers


def _first_stop(trigger, trainer, values, key="main/loss"):
    for value in values:
        trainer.updater.update()
        trainer.observation = {key: value}
        if trigger(trainer):
            return trainer.updater.iteration
    return None


def test_stops_after_patience_checks_without_improvement(make_trainer):
    t = triggers.EarlyStoppingTrigger(check_trigger=(1, "iteration"), patience=2,
                                      max_trigger=(100, "iteration"))
    # best 3.0 at iteration 3; 3.5 and 3.2 are no better: stop at iteration 5
    assert _first_stop(t, make_trainer(), [5.0, 4.0, 3.0, 3.5, 3.2, 1.0]) == 5
    assert t.best == 3.0 and t.count == 2


def test_improvement_resets_count(make_trainer):
    t = triggers.EarlyStoppingTrigger(check_trigger=(1, "iteration"), patience=2,
                                      max_trigger=(100, "iteration"))
    assert _first_stop(t, make_trainer(), [5.0, 6.0, 4.0, 6.0, 6.0, 6.0]) == 5


def test_means_over_the_check_interval(make_trainer):
    t = triggers.EarlyStoppingTrigger(check_trigger=(2, "iteration"), patience=1,
                                      max_trigger=(100, "iteration"))
    # means per 2 iterations: 3, 2, 2.5 -> stop at the third check (iteration 6)
    assert _first_stop(t, make_trainer(), [4.0, 2.0, 1.0, 3.0, 2.0, 3.0, 0.0]) == 6


def test_auto_mode_maximizes_accuracy(make_trainer):
    t = triggers.EarlyStoppingTrigger(check_trigger=(1, "iteration"),
                                      monitor="main/accuracy", patience=1,
                                      max_trigger=(100, "iteration"))
    assert t.best == float("-inf")
    assert _first_stop(t, make_trainer(), [0.5, 0.7, 0.6], "main/accuracy") == 3


def test_max_trigger_bounds_training(make_trainer):
    t = triggers.EarlyStoppingTrigger(check_trigger=(1, "iteration"), patience=3,
                                      max_trigger=(4, "iteration"))
    assert _first_stop(t, make_trainer(), [5.0, 4.0, 3.0, 2.0, 1.0]) == 4
    assert t.get_training_length() == (4, "iteration")


def test_patients_alias_and_bad_arguments():
    assert triggers.EarlyStoppingTrigger(patients=5).patience == 5
    with pytest.raises(TypeError, match="patients"):
        triggers.EarlyStoppingTrigger(patience=2, patients=3)
    with pytest.raises(ValueError, match="mode"):
        triggers.EarlyStoppingTrigger(mode="lowest")
    with pytest.raises(ValueError, match="patience"):
        triggers.EarlyStoppingTrigger(patience=0)


def test_missing_monitor_warns(make_trainer):
    t = triggers.EarlyStoppingTrigger(check_trigger=(1, "iteration"))
    trainer = make_trainer()
    trainer.updater.update()
    with pytest.warns(UserWarning, match="main/loss"):
        assert t(trainer) is False


def test_serialize_resumes(make_trainer):
    # means per 2 iterations: 4.5, 3.25 (best), 3.65, 3.85: stop at iteration 8
    values = [5.0, 4.0, 3.0, 3.5, 3.6, 3.7, 3.8, 3.9]

    def make():
        return triggers.EarlyStoppingTrigger(check_trigger=(2, "iteration"), patience=2,
                                             max_trigger=(100, "iteration"))
    assert _first_stop(make(), make_trainer(), values) == 8
    t = make()
    trainer = make_trainer()
    assert _first_stop(t, trainer, values[:3]) is None  # stop mid-interval
    s = serializers.DictionarySerializer()
    t.serialize(s)
    fresh = make()
    fresh.serialize(serializers.NpzDeserializer(s.target))
    assert (fresh.best, fresh.count) == (t.best, t.count)
    assert _first_stop(fresh, trainer, values[3:]) == 8

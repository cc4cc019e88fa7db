"""get_trigger."""

import pytest

from rechain import training
from rechain.training import triggers


def test_none_never_fires(make_trainer):
    t = training.get_trigger(None)
    trainer = make_trainer()
    for _ in range(5):
        trainer.updater.update()
        assert t(trainer) is False


def test_callable_is_returned_as_is():
    def fire(trainer):
        return True
    assert training.get_trigger(fire) is fire


@pytest.mark.parametrize("spec", [(2, "epoch"), [3, "iteration"]])
def test_pair_makes_interval_trigger(spec):
    t = training.get_trigger(spec)
    assert isinstance(t, triggers.IntervalTrigger)
    assert t.get_training_length() == tuple(spec)
    assert training.util.get_trigger is training.get_trigger


def test_unknown_unit_is_named_at_once():
    with pytest.raises(ValueError, match="'epochs'"):
        training.get_trigger((1, "epochs"))


@pytest.mark.parametrize("spec,error,match", [
    ((0, "epoch"), ValueError, "positive"),
    ((-1, "iteration"), ValueError, "positive"),
    ((1.5, "iteration"), ValueError, "whole number"),
    (("1", "epoch"), TypeError, "number"),
    (10, TypeError, "get_trigger"),
    ((1, "epoch", 2), TypeError, "get_trigger"),
])
def test_bad_specs(spec, error, match):
    with pytest.raises(error, match=match):
        training.get_trigger(spec)

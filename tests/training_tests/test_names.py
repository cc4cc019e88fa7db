"""Chainer's names under rechain.training."""

import rechain
from rechain import training


def test_chainer_names_are_exposed():
    for name in ("Trainer", "Extension", "make_extension", "PRIORITY_WRITER", "PRIORITY_EDITOR",
                 "PRIORITY_READER", "get_trigger", "IntervalTrigger", "Updater",
                 "StandardUpdater", "updaters", "triggers", "extensions", "util"):
        assert hasattr(training, name), name
    assert rechain.training is training  # reachable after `import rechain`, as in Chainer
    for name in ("IntervalTrigger", "ManualScheduleTrigger", "MinValueTrigger",
                 "MaxValueTrigger", "BestValueTrigger", "EarlyStoppingTrigger", "OnceTrigger",
                 "TimeTrigger"):
        assert callable(getattr(training.triggers, name)), name


def test_older_module_paths():
    from rechain.training import trigger, updater
    assert trigger.get_trigger is training.get_trigger
    assert trigger.IntervalTrigger is training.triggers.IntervalTrigger
    assert updater.StandardUpdater is training.updaters.StandardUpdater
    assert updater.Updater is training.Updater

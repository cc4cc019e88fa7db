"""Triggers, as Chainer's ``chainer.training.triggers``.

A trigger is a callable ``trigger(trainer) -> bool`` deciding whether an
extension runs on this iteration (or, as the stop trigger, whether training
ends). Every trigger here has ``serialize`` so that a snapshot resumes it.
"""

from rechain.training.triggers.early_stopping_trigger import EarlyStoppingTrigger  # noqa: F401
from rechain.training.triggers.interval_trigger import IntervalTrigger  # noqa: F401
from rechain.training.triggers.manual_schedule_trigger import ManualScheduleTrigger  # noqa: F401
from rechain.training.triggers.minmax_value_trigger import (BestValueTrigger,  # noqa: F401
                                                            MaxValueTrigger, MinValueTrigger)
from rechain.training.triggers.once_trigger import OnceTrigger  # noqa: F401
from rechain.training.triggers.time_trigger import TimeTrigger  # noqa: F401

__all__ = ["BestValueTrigger", "EarlyStoppingTrigger", "IntervalTrigger",
           "ManualScheduleTrigger", "MaxValueTrigger", "MinValueTrigger", "OnceTrigger",
           "TimeTrigger"]

"""Chainer's ``chainer.training.trigger`` module name (older import path)."""

from rechain.training._util import _never_fire_trigger, get_trigger  # noqa: F401
from rechain.training.triggers.interval_trigger import IntervalTrigger  # noqa: F401

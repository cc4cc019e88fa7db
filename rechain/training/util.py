"""Chainer's ``chainer.training.util`` module name (``get_trigger``)."""

from rechain.training._util import _never_fire_trigger, get_trigger  # noqa: F401

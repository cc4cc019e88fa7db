"""Chainer's ``chainer.training.updater`` module name (older import path)."""

from rechain.training.updaters._updater import Updater  # noqa: F401
from rechain.training.updaters.standard_updater import StandardUpdater  # noqa: F401

"""Updaters, as Chainer's ``chainer.training.updaters``."""

from rechain.training.updaters._updater import Updater  # noqa: F401
from rechain.training.updaters.standard_updater import StandardUpdater  # noqa: F401

__all__ = ["StandardUpdater", "Updater"]

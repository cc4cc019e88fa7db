"""Updaters, as Chainer's ``chainer.training.updaters``."""

from rechain.training.updaters._updater import Updater  # noqa: F401
from rechain.training.updaters.standard_updater import StandardUpdater  # noqa: F401
from rechain.training.updaters.multiprocess_parallel_updater import (  # noqa: F401
    MultiprocessParallelUpdater)

__all__ = ["MultiprocessParallelUpdater", "StandardUpdater", "Updater"]

"""Link hooks, Chainer's ``chainer.link_hooks``: callbacks around ``Link.__call__``.

Register one on a link with ``link.add_hook(hook)`` (remove with
``link.delete_hook(name)``), or for every link called in this thread with
``with hook:``.
"""

from rechain.link_hooks.link_hook import LinkHook
from rechain.link_hooks.spectral_normalization import SpectralNormalization
from rechain.link_hooks.timer import TimerHook
from rechain.link_hooks.weight_standardization import WeightStandardization

__all__ = ["LinkHook", "SpectralNormalization", "TimerHook", "WeightStandardization"]

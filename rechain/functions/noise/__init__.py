"""Noise functions: random draws come from ``rechain.random`` and enter as constants."""

from rechain.functions.noise import dropout as _dropout  # noqa: F401  (the module)
from rechain.functions.noise.gaussian import gaussian
from rechain.functions.noise.gumbel_softmax import gumbel_softmax
from rechain.functions.noise.simplified_dropconnect import simplified_dropconnect
from rechain.functions.noise import zoneout as _zoneout  # noqa: F401  (the module)

__all__ = ["gaussian", "gumbel_softmax", "simplified_dropconnect"]

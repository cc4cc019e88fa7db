"""Activation links: PReLU, SimplifiedDropconnect."""

from rechain.links.activation.prelu import PReLU
from rechain.links.activation.simplified_dropconnect import SimplifiedDropconnect

__all__ = ["PReLU", "SimplifiedDropconnect"]

# Maxout, Swish, Highway.
from rechain.links.activation.highway import Highway  # noqa: E402
from rechain.links.activation.maxout import Maxout  # noqa: E402
from rechain.links.activation.swish import Swish  # noqa: E402

__all__ += ["Highway", "Maxout", "Swish"]

"""Activation links: PReLU, SimplifiedDropconnect."""

from rechain.links.activation.prelu import PReLU
from rechain.links.activation.simplified_dropconnect import SimplifiedDropconnect

__all__ = ["PReLU", "SimplifiedDropconnect"]

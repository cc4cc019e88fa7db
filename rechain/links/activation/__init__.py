"""Activation links: PReLU."""

from rechain.links.activation.prelu import PReLU

__all__ = ["PReLU"]

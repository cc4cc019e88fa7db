"""Noise functions."""

from rechain.functions.noise.dropout import dropout

__all__ = ["dropout"]

"""Utility functions."""

from rechain.functions.util.forget import forget

__all__ = ["forget"]

"""Pooling functions."""

from rechain.functions.pooling.average_pooling_2d import average_pooling_2d
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d

__all__ = ["average_pooling_2d", "max_pooling_2d"]

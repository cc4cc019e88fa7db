"""Mathematical functions."""

from rechain.functions.math.basic_math import absolute
from rechain.functions.math.sum import mean, sum

__all__ = ["absolute", "mean", "sum"]

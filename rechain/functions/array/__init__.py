"""Array manipulation functions."""

from rechain.functions.array.broadcast import broadcast, broadcast_to, sum_to
from rechain.functions.array.reshape import reshape

__all__ = ["broadcast", "broadcast_to", "reshape", "sum_to"]

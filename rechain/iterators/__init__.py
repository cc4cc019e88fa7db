"""Dataset iterators, as in ``chainer.iterators``."""

from rechain.iterators.serial_iterator import OrderSampler  # NOQA
from rechain.iterators.serial_iterator import SerialIterator  # NOQA
from rechain.iterators.serial_iterator import ShuffleOrderSampler  # NOQA

__all__ = ["SerialIterator", "OrderSampler", "ShuffleOrderSampler"]

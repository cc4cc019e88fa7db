"""Dataset iterators, as in ``chainer.iterators``."""

from rechain.iterators.multiprocess_iterator import MultiprocessIterator  # NOQA
from rechain.iterators.multithread_iterator import MultithreadIterator  # NOQA
from rechain.iterators.order_samplers import OrderSampler  # NOQA
from rechain.iterators.order_samplers import ShuffleOrderSampler  # NOQA
from rechain.iterators.serial_iterator import SerialIterator  # NOQA

__all__ = ["SerialIterator", "MultithreadIterator", "MultiprocessIterator", "OrderSampler",
           "ShuffleOrderSampler"]

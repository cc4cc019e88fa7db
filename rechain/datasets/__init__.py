"""Datasets: containers that zip, slice and split examples, and demo data.

Mirrors ``chainer.datasets``: :class:`TupleDataset`, :class:`SubDataset` and
the splitting helpers work on any object with ``__len__`` and
``__getitem__``; :func:`get_digits` returns the 8x8 handwritten digits that
ship with rechain, shaped like ``chainer.datasets.get_mnist``.
"""

from rechain.datasets.digits import get_digits  # NOQA
from rechain.datasets.sub_dataset import get_cross_validation_datasets  # NOQA
from rechain.datasets.sub_dataset import get_cross_validation_datasets_random  # NOQA
from rechain.datasets.sub_dataset import split_dataset  # NOQA
from rechain.datasets.sub_dataset import split_dataset_random  # NOQA
from rechain.datasets.sub_dataset import SubDataset  # NOQA
from rechain.datasets.tuple_dataset import TupleDataset  # NOQA

__all__ = [
    "TupleDataset",
    "SubDataset",
    "split_dataset",
    "split_dataset_random",
    "get_cross_validation_datasets",
    "get_cross_validation_datasets_random",
    "get_digits",
]

"""Datasets: containers that zip, slice, split and transform examples, files
read on demand, downloadable benchmark sets, and demo data.

Mirrors ``chainer.datasets``. The containers work on any object with
``__len__`` and ``__getitem__``. The ``get_*`` loaders download their files
once into the cache of :mod:`rechain.dataset.download` (see
:func:`rechain.dataset.get_dataset_root`); :func:`get_digits` returns the 8x8
handwritten digits that ship with rechain (no download), shaped like
``get_mnist``.
"""

from rechain.datasets.cifar import get_cifar10  # NOQA
from rechain.datasets.cifar import get_cifar100  # NOQA
from rechain.datasets.concatenated_dataset import ConcatenatedDataset  # NOQA
from rechain.datasets.dict_dataset import DictDataset  # NOQA
from rechain.datasets.digits import get_digits  # NOQA
from rechain.datasets.fashion_mnist import get_fashion_mnist  # NOQA
from rechain.datasets.fashion_mnist import get_fashion_mnist_labels  # NOQA
from rechain.datasets.image_dataset import ImageDataset  # NOQA
from rechain.datasets.image_dataset import LabeledImageDataset  # NOQA
from rechain.datasets.image_dataset import LabeledZippedImageDataset  # NOQA
from rechain.datasets.image_dataset import MultiZippedImageDataset  # NOQA
from rechain.datasets.image_dataset import ZippedImageDataset  # NOQA
from rechain.datasets.kuzushiji_mnist import get_kuzushiji_mnist  # NOQA
from rechain.datasets.kuzushiji_mnist import get_kuzushiji_mnist_labels  # NOQA
from rechain.datasets.mnist import get_mnist  # NOQA
from rechain.datasets.pickle_dataset import open_pickle_dataset  # NOQA
from rechain.datasets.pickle_dataset import open_pickle_dataset_writer  # NOQA
from rechain.datasets.pickle_dataset import PickleDataset  # NOQA
from rechain.datasets.pickle_dataset import PickleDatasetWriter  # NOQA
from rechain.datasets.ptb import get_ptb_words  # NOQA
from rechain.datasets.ptb import get_ptb_words_vocabulary  # NOQA
from rechain.datasets.sub_dataset import get_cross_validation_datasets  # NOQA
from rechain.datasets.sub_dataset import get_cross_validation_datasets_random  # NOQA
from rechain.datasets.sub_dataset import split_dataset  # NOQA
from rechain.datasets.sub_dataset import split_dataset_n  # NOQA
from rechain.datasets.sub_dataset import split_dataset_n_random  # NOQA
from rechain.datasets.sub_dataset import split_dataset_random  # NOQA
from rechain.datasets.sub_dataset import SubDataset  # NOQA
from rechain.datasets.svhn import get_svhn  # NOQA
from rechain.datasets.text_dataset import TextDataset  # NOQA
from rechain.datasets.transform_dataset import TransformDataset  # NOQA
from rechain.datasets.tuple_dataset import TupleDataset  # NOQA

__all__ = [
    "TupleDataset", "DictDataset", "SubDataset", "TransformDataset", "ConcatenatedDataset",
    "TextDataset", "ImageDataset", "LabeledImageDataset", "ZippedImageDataset",
    "MultiZippedImageDataset", "LabeledZippedImageDataset", "PickleDataset",
    "PickleDatasetWriter", "open_pickle_dataset", "open_pickle_dataset_writer",
    "split_dataset", "split_dataset_random", "split_dataset_n", "split_dataset_n_random",
    "get_cross_validation_datasets", "get_cross_validation_datasets_random",
    "get_mnist", "get_fashion_mnist", "get_fashion_mnist_labels", "get_kuzushiji_mnist",
    "get_kuzushiji_mnist_labels", "get_cifar10",
    "get_cifar100", "get_svhn", "get_ptb_words", "get_ptb_words_vocabulary", "get_digits",
]

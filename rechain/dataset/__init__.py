"""Dataset plumbing, as in ``chainer.dataset``: the iterator and dataset base
classes, batch conversion, and the download cache."""

from rechain.dataset import download  # NOQA
from rechain.dataset.convert import concat_examples  # NOQA
from rechain.dataset.convert import Converter  # NOQA
from rechain.dataset.convert import converter  # NOQA
from rechain.dataset.convert import to_device  # NOQA
from rechain.dataset.dataset_mixin import DatasetMixin  # NOQA
from rechain.dataset.download import cache_or_load_file  # NOQA
from rechain.dataset.download import cached_download  # NOQA
from rechain.dataset.download import get_dataset_directory  # NOQA
from rechain.dataset.download import get_dataset_root  # NOQA
from rechain.dataset.download import set_dataset_root  # NOQA
from rechain.dataset.iterator import Iterator  # NOQA

__all__ = [
    "concat_examples", "Converter", "converter", "to_device", "DatasetMixin", "Iterator",
    "cache_or_load_file", "cached_download", "get_dataset_directory", "get_dataset_root",
    "set_dataset_root", "download",
]

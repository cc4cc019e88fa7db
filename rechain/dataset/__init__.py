"""Dataset plumbing, as in ``chainer.dataset``: batch conversion and devices."""

from rechain.dataset.convert import concat_examples  # NOQA
from rechain.dataset.convert import to_device  # NOQA

__all__ = ["concat_examples", "to_device"]

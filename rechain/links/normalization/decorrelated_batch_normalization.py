"""The decorrelated batch-normalization layer (Huang et al. 2018)."""

import warnings

import numpy

from rechain import backend
from rechain import configuration
from rechain.links import link as _link
from rechain.serializers import base as _serializer_base
from rechain.utils import type_check


class DecorrelatedBatchNormalization(_link.Link):
    """ZCA-whitening batch normalization over groups of channels, with running statistics.

    In training mode the input is whitened with the batch statistics and the
    running ``avg_mean`` ``(groups, C)`` and ``avg_projection`` ``(groups, C,
    C)`` (``C = size / groups``) are updated, once per forward (not while
    ``config.in_recomputing``); with ``finetune=True`` the decay is ``1 -
    1/N``. In test mode the running statistics are used. It has no learned
    parameters.

    Args:
        size (int): Number of channels.
        groups (int): Channel groups; it divides ``size``.
        decay (float): Decay of the running statistics.
        eps (float): Added to the covariance's diagonal.
        dtype: dtype of the statistics.

    Example:
        >>> dbn = L.DecorrelatedBatchNormalization(4, groups=2)
        >>> dbn(numpy.random.rand(8, 4).astype(numpy.float32)).shape
        (8, 4)
    """

    def __init__(self, size, groups=16, decay=0.9, eps=2e-5, dtype=numpy.float32):
        super().__init__()
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 \
                or size % groups:
            raise ValueError(f"DecorrelatedBatchNormalization: groups must be a positive int "
                             f"dividing size={size}, got {groups!r}")
        c = size // groups
        self.groups = groups
        self.decay = decay
        self.eps = eps
        self.avg_mean = numpy.zeros((groups, c), dtype=dtype)
        self.register_persistent("avg_mean")
        self.avg_projection = numpy.broadcast_to(numpy.eye(c, dtype=dtype),
                                                 (groups, c, c)).copy()
        self.register_persistent("avg_projection")
        self.add_persistent("N", 0)

    def forward(self, x, *, finetune=False):
        """Whiten ``x`` ``(N, size, ...)``; in training mode update the statistics."""
        from rechain.functions.normalization.decorrelated_batch_normalization import (
            decorrelated_batch_normalization, fixed_decorrelated_batch_normalization)
        size = self.avg_mean.size
        if x.ndim < 2 or x.shape[1] != size:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}: input of shape {tuple(x.shape)} must have "
                f"{size} channels (axis 1)")
        config = configuration.config
        if not config.train:
            return fixed_decorrelated_batch_normalization(x, self.avg_mean,
                                                          self.avg_projection, self.groups)
        if config.in_recomputing:
            return decorrelated_batch_normalization(x, groups=self.groups, eps=self.eps)
        if finetune:
            self.N += 1
            decay = 1.0 - 1.0 / self.N
        else:
            decay = self.decay
        return decorrelated_batch_normalization(
            x, groups=self.groups, eps=self.eps, running_mean=self.avg_mean,
            running_projection=self.avg_projection, decay=decay)

    def serialize(self, serializer):
        """As :meth:`Link.serialize`; a load also reads the statistics of models
        saved before Chainer v7 fixed the layer (Chainer issue #7706): one
        ``(C,)`` mean and ``(C, C)`` projection for all groups, broadcast to
        each group (with a warning where there is more than one)."""
        if isinstance(serializer, _serializer_base.Deserializer):
            serializer = _OldStatistics(serializer, self.groups)
        super().serialize(serializer)

    def start_finetuning(self):
        """Reset ``N`` before fine-tuning with ``finetune=True``."""
        self.N = 0

    def _repr_fields(self):
        return f"size={self.avg_mean.size}, groups={self.groups}, eps={self.eps}"


class _OldStatistics(_serializer_base.Deserializer):
    """Loads ``avg_mean`` / ``avg_projection`` of the old one-group layout into
    the per-group arrays; passes everything else to ``base``."""

    def __init__(self, base, groups):
        self.base = base
        self.groups = groups

    def __getitem__(self, key):
        return _OldStatistics(self.base[key], self.groups)

    def __call__(self, key, value):
        ndim = {"avg_mean": 2, "avg_projection": 3}.get(key)
        if ndim is None or value is None:
            return self.base(key, value)
        stored = _stored(self.base, key)
        if stored is None or stored.ndim == ndim:
            return self.base(key, value)
        if stored.ndim != ndim - 1:
            raise ValueError(f"DecorrelatedBatchNormalization: {key} of shape "
                             f"{tuple(stored.shape)} fits neither layout {value.shape[1:]} nor "
                             f"{tuple(value.shape)}")
        if self.groups != 1:
            warnings.warn("DecorrelatedBatchNormalization: loading the statistics of a model "
                          "saved before Chainer v7 (one set for all groups), whose algorithm "
                          "was different from the paper", UserWarning, stacklevel=4)
        if _dry_run(self.base):
            return value
        xp = backend.get_array_module(value)
        value[...] = xp.broadcast_to(xp.asarray(stored), value.shape)
        return value


def _stored(base, key):
    """The array ``base`` holds for ``key`` (rechain's npz and HDF5 loaders keep
    a mapping ``npz`` and a ``path``), or None."""
    arrays = getattr(base, "npz", None)
    if arrays is None:
        return None
    full = getattr(base, "path", "") + key
    return numpy.asarray(arrays[full]) if full in arrays else None


def _dry_run(base):
    """Whether ``base`` is the checking pass of a load, which changes nothing."""
    from rechain.serializers import hdf5, npz
    return isinstance(base, (npz._CheckingDeserializer, hdf5._Checking))

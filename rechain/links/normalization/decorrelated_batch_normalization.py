"""The decorrelated batch-normalization layer (Huang et al. 2018)."""

import numpy

from rechain import configuration
from rechain.links import link as _link
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

    def forward(self, x, finetune=False):
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

    def start_finetuning(self):
        """Reset ``N`` before fine-tuning with ``finetune=True``."""
        self.N = 0

    def _repr_fields(self):
        return f"size={self.avg_mean.size}, groups={self.groups}, eps={self.eps}"

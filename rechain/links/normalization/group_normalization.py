"""The group-normalization layer."""

import numpy

from rechain import configuration
from rechain import initializers
from rechain import variable as _variable
from rechain.links import link as _link
from rechain.utils import type_check


class GroupNormalization(_link.Link):
    """Group normalization (Wu & He 2018) with learned per-channel ``gamma`` and ``beta``.

    Args:
        groups (int): Number of channel groups; it divides the channels.
        size (int or None): Number of channels; None infers it from the first
            input (its axis 1).
        eps (float): Added to the variance.
        initial_gamma, initial_beta: Initializers (default 1 and 0).

    The parameters have the ``config.dtype`` of construction (float32 under
    ``mixed16``); the input may have another float dtype, and the output has
    the input's.

    Example:
        >>> gn = L.GroupNormalization(2)
        >>> gn(numpy.random.rand(3, 4, 5).astype(numpy.float32)).shape
        (3, 4, 5)
    """

    def __init__(self, groups, size=None, eps=1e-5, initial_gamma=None, initial_beta=None):
        super().__init__()
        self.groups = groups
        self.eps = eps
        # the dtype of construction time (a lazy initialization may run later)
        self._dtype = configuration.get_dtype(map_mixed16=numpy.float32)
        with self.init_scope():
            self.gamma = _variable.Parameter(
                initializers._get_initializer(1 if initial_gamma is None else initial_gamma))
            self.beta = _variable.Parameter(
                initializers._get_initializer(0 if initial_beta is None else initial_beta))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size):
        for p in (self.gamma, self.beta):
            _link.fill_param(self, p, (int(size),), self._dtype)

    def forward(self, x):
        """Normalise ``x`` ``(N, C, ...)`` over groups of its channels."""
        from rechain.functions.normalization.group_normalization import group_normalization
        if self.gamma.array is None:
            if x.ndim < 2:
                raise type_check.InvalidType(
                    f"{_link._link_label(self)}: input must have at least 2 dimensions "
                    f"(batch, channels, ...), got shape {tuple(x.shape)}")
            self._initialize_params(x.shape[1])
        return group_normalization(x, self.groups, self.gamma, self.beta, eps=self.eps)

    def _repr_fields(self):
        size = None if self.gamma.array is None else self.gamma.shape[0]
        return f"groups={self.groups}, size={size}, eps={self.eps}"

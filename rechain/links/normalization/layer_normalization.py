"""The layer-normalization layer."""

from rechain import initializers
from rechain import variable as _variable
from rechain.links import link as _link
from rechain.utils import type_check


class LayerNormalization(_link.Link):
    """Layer normalization (Ba et al. 2016) of ``(batch, size)`` inputs.

    Each example is normalised to zero mean and unit variance over its
    features, then scaled by ``gamma`` and shifted by ``beta``.

    Args:
        size (int or None): Number of features; None infers it from the first
            input.
        eps (float): Added to the variance.
        initial_gamma, initial_beta: Initializers (default 1 and 0).

    Example:
        >>> ln = L.LayerNormalization(4)
        >>> ln(numpy.random.rand(3, 4).astype(numpy.float32)).shape
        (3, 4)
    """

    def __init__(self, size=None, eps=1e-6, initial_gamma=None, initial_beta=None):
        super().__init__()
        self.eps = eps
        with self.init_scope():
            self.gamma = _variable.Parameter(
                initializers._get_initializer(1 if initial_gamma is None else initial_gamma))
            self.beta = _variable.Parameter(
                initializers._get_initializer(0 if initial_beta is None else initial_beta))
        if size is not None:
            self._initialize_params(size)

    def _initialize_params(self, size):
        self.gamma.initialize((int(size),))
        self.beta.initialize((int(size),))

    def forward(self, x):
        """Normalise each row of ``x`` ``(batch, size)``."""
        from rechain.functions.normalization.layer_normalization import layer_normalization
        label = _link._link_label(self)
        if x.ndim != 2:
            raise type_check.InvalidType(f"{label}: input must be 2-d (batch, size), got "
                                         f"shape {tuple(x.shape)}")
        if self.gamma.array is None:
            self._initialize_params(x.shape[1])
        elif x.shape[1] != self.gamma.shape[0]:
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has {x.shape[1]} features, but "
                f"the layer expects size={self.gamma.shape[0]}")
        return layer_normalization(x, self.gamma, self.beta, eps=self.eps)

    def _repr_fields(self):
        size = None if self.gamma.array is None else self.gamma.shape[0]
        return f"size={size}, eps={self.eps}"

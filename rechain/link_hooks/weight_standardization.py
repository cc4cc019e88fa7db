"""Weight standardization (Qiao et al. 2019) as a link hook."""

import rechain
from rechain import functions as F
from rechain.link_hooks import link_hook
from rechain.link_hooks.spectral_normalization import _lazy_in_size


class WeightStandardization(link_hook.LinkHook):
    """Standardise a link's weight per output unit at every call.

    Each slice ``W[o]`` (all axes but the first) is replaced by
    ``(W[o] - mean) / sqrt(var + eps)`` before the link's forward; gradients
    flow through the statistics to ``W``. The parameter itself is unchanged.

    Args:
        eps (float): Added to the variance.
        weight_name (str): The link's attribute to standardise.
        name (str or None): The hook's name (default ``'WeightStandardization'``).

    Example:
        >>> conv = L.Convolution2D(3, 8, 3).add_hook(link_hooks.WeightStandardization())
    """

    name = "WeightStandardization"

    def __init__(self, *, eps=1e-5, weight_name="W", name=None):
        self.eps = eps
        self.weight_name = weight_name
        self._original = None
        if name is not None:
            self.name = name

    def __enter__(self):
        raise NotImplementedError("WeightStandardization: register it on a link with "
                                  "link.add_hook(hook), not as a context manager")

    def __exit__(self, *exc):
        raise NotImplementedError("WeightStandardization is not a context manager")

    def added(self, link):
        if link is None:
            raise NotImplementedError("WeightStandardization: only link.add_hook is supported")
        if not isinstance(getattr(link, self.weight_name, None), rechain.Parameter):
            raise ValueError(f"WeightStandardization: {type(link).__name__} has no "
                             f"parameter {self.weight_name!r}")

    def forward_preprocess(self, cb_args):
        link = cb_args.link
        W = link.__dict__[self.weight_name]
        if W.array is None:
            link._initialize_params(_lazy_in_size(link, cb_args))
        if W.ndim < 2:
            raise ValueError(f"WeightStandardization: {self.weight_name} must have at least "
                             f"2 dimensions, got shape {W.shape}")
        self._original = W
        link.__dict__[self.weight_name] = self.standardize(W)

    def forward_postprocess(self, cb_args):
        cb_args.link.__dict__[self.weight_name] = self._original
        self._original = None

    def standardize(self, W):
        """``W`` standardised over all axes but the first (a Variable)."""
        flat = F.reshape(W, (W.shape[0], -1))
        mean = F.mean(flat, axis=1, keepdims=True)
        centred = flat - F.broadcast_to(mean, flat.shape)
        var = F.mean(centred * centred, axis=1, keepdims=True)
        out = centred * F.broadcast_to(F.rsqrt(var + self.eps), flat.shape)
        return F.reshape(out, W.shape)

"""Gradient clipping by the global L2 norm."""

import math

from rechain import backend
from rechain import optimizer


def _sqnorm(g):
    xp = backend.get_array_module(g)
    g64 = g.astype(xp.float64, copy=False)
    return float(xp.vdot(g64.ravel(), g64.ravel()))


class GradientClipping:
    """Rescale all gradients together so that their global L2 norm is at most ``threshold``.

    The norm is taken over the gradients of all parameters of the target
    (computed in float64); when it exceeds ``threshold`` every gradient is
    multiplied by ``threshold / norm``.

    Args:
        threshold (float): Largest allowed global norm.

    Example:
        >>> optimizer.add_hook(optimizer_hooks.GradientClipping(5.0))
    """

    name = "GradientClipping"
    timing = "pre"

    def __init__(self, threshold):
        if not threshold > 0:
            raise ValueError(f"GradientClipping: threshold must be positive, got {threshold}")
        self.threshold = threshold

    def __call__(self, opt):
        params = [p for p in optimizer.unique_params(opt.target, False) if p.grad is not None]
        norm = math.sqrt(sum(_sqnorm(p.grad) for p in params))
        if not norm > self.threshold:  # also skips a NaN norm, which clipping cannot fix
            return
        rate = self.threshold / norm
        for p in params:
            p.grad = p.grad * rate

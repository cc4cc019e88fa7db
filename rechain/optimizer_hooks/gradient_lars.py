"""Layer-wise adaptive rate scaling (LARS) as an optimizer hook."""

from rechain import backend


class GradientLARS:
    """Scale each parameter's gradient (plus weight decay) by its trust ratio.

    For every parameter ``w`` with gradient ``g`` (You et al., "Large Batch
    Training of Convolutional Networks", 2017), the gradient becomes
    ``rate * (g + weight_decay * w)`` with
    ``rate = ||w|| / (eps + ||g|| + weight_decay * ||w||)`` when
    ``||w|| > threshold``, else 1. The learning rate of the optimizer plays
    the part of the paper's global rate times its LARS coefficient. The
    gradient array is replaced, not modified in place.

    Args:
        threshold (float): Parameters whose norm is at most this keep their
            gradient unscaled.
        weight_decay (float): Coefficient of the weight decay added first.
        eps (float): Added to the denominator for stability.

    Example:
        >>> optimizer.add_hook(optimizer_hooks.GradientLARS(weight_decay=1e-4))
    """

    name = "GradientLARS"
    call_for_each_param = True
    timing = "pre"

    def __init__(self, threshold=1e-2, weight_decay=0.0, eps=1e-9):
        self.threshold = threshold
        self.weight_decay = weight_decay
        self.eps = eps

    def __call__(self, rule, param):
        p, g = param.array, param.grad
        if p is None or g is None:
            return
        if rule is not None and not rule.enabled:
            return
        xp = backend.get_array_module(p)
        p_norm = xp.linalg.norm(p)
        g_norm = xp.linalg.norm(g)
        local = p_norm / (self.eps + g_norm + self.weight_decay * p_norm)
        rate = xp.where(p_norm > self.threshold, local, 1.0).astype(g.dtype)
        param.grad = (g + self.weight_decay * p) * rate

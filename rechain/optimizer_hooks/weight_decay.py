"""L2 regularisation as an optimizer hook."""


class WeightDecay:
    """Add ``rate * param`` to every gradient before the update (L2 penalty).

    Unlike Adam's ``weight_decay_rate`` (decoupled decay), the added term goes
    through the optimizer's update rule. The gradient array is replaced, not
    modified in place.

    Args:
        rate (float): Coefficient.

    Example:
        >>> optimizer.add_hook(optimizer_hooks.WeightDecay(1e-4))
    """

    name = "WeightDecay"
    call_for_each_param = True
    timing = "pre"

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, rule, param):
        p, g = param.array, param.grad
        if p is None or g is None:
            return
        if rule is not None and not rule.enabled:
            return
        param.grad = g + self.rate * p

"""L1 regularisation as an optimizer hook."""


class Lasso:
    """Add ``rate * sign(param)`` to every gradient before the update (L1 penalty).

    Args:
        rate (float): Coefficient.

    Example:
        >>> optimizer.add_hook(optimizer_hooks.Lasso(1e-4))
    """

    name = "Lasso"
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
        param.grad = g + self.rate * param.xp.sign(p)

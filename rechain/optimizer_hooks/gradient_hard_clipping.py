"""Element-wise gradient clipping."""


class GradientHardClipping:
    """Clip every gradient element into ``[lower_bound, upper_bound]``.

    Args:
        lower_bound (float): Smallest allowed value.
        upper_bound (float): Largest allowed value.

    Example:
        >>> optimizer.add_hook(optimizer_hooks.GradientHardClipping(-1.0, 1.0))
    """

    name = "GradientHardClipping"
    call_for_each_param = True
    timing = "pre"

    def __init__(self, lower_bound, upper_bound):
        if lower_bound > upper_bound:
            raise ValueError(f"GradientHardClipping: lower_bound {lower_bound} exceeds "
                             f"upper_bound {upper_bound}")
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound

    def __call__(self, rule, param):
        g = param.grad
        if g is None:
            return
        if rule is not None and not rule.enabled:
            return
        param.grad = param.xp.clip(g, self.lower_bound, self.upper_bound)

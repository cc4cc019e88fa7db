"""ExponentialShift: multiply a hyperparameter by a constant rate per call."""

from rechain.training.extensions import _shift


class ExponentialShift(_shift._Shift):
    """Set ``optimizer.<attr> = init * rate ** t`` after the ``t``-th call.

    With ``target`` given, the value stops at ``target`` once it passes it.

    Args:
        attr (str): The optimizer attribute (e.g. ``'lr'``).
        rate (float): The factor per call (not negative).
        init (float): The initial value (the optimizer's current one when None).
        target (float): Where the value stops.
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.ExponentialShift('lr', 0.5), trigger=(10, 'epoch'))
    """

    def __init__(self, attr, rate, init=None, target=None, optimizer=None):
        super().__init__(attr, optimizer)
        if rate < 0:
            raise ValueError(f"ExponentialShift: rate must not be negative, got {rate}")
        self._rate = rate
        self._init = init
        self._target = target

    def _start_value(self, optimizer):
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        return self._init

    def _value_at(self, t):
        return _shift._clip(self._init * self._rate ** t, self._target, self._rate > 1)

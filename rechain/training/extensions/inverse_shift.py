"""InverseShift: the inverse-time decay ``init * (1 + gamma * t) ** -power``."""

from rechain.training.extensions import _shift


class InverseShift(_shift._Shift):
    """Set ``optimizer.<attr> = init * (1 + gamma * t) ** (-power)``.

    Args:
        attr (str): The optimizer attribute.
        gamma (float): The time scale (not negative).
        power (float): The exponent.
        init (float): The initial value (the optimizer's current one when None).
        target (float): Where the value stops.
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.InverseShift('lr', 1e-4, 0.75))
    """

    def __init__(self, attr, gamma, power, init=None, target=None, optimizer=None):
        super().__init__(attr, optimizer)
        if gamma < 0:
            raise ValueError(f"InverseShift: gamma must not be negative, got {gamma}")
        self._gamma = gamma
        self._power = power
        self._init = init
        self._target = target

    def _start_value(self, optimizer):
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        return self._init

    def _value_at(self, t):
        value = self._init * (1 + self._gamma * t) ** (-self._power)
        return _shift._clip(value, self._target, self._power < 0)

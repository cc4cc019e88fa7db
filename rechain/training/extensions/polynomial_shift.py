"""PolynomialShift: decay a hyperparameter polynomially to zero."""

from rechain.training.extensions import _shift


class PolynomialShift(_shift._Shift):
    """Set ``optimizer.<attr> = init * max(1 - t / max_count, 0) ** rate``.

    Args:
        attr (str): The optimizer attribute.
        rate (float): The exponent.
        max_count (int): The call at which the value reaches 0.
        init (float): The initial value (the optimizer's current one when None).
        target (float): Where the value stops.
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.PolynomialShift('lr', 0.5, 10000))
    """

    invoke_before_training = True

    def __init__(self, attr, rate, max_count, init=None, target=None, optimizer=None):
        super().__init__(attr, optimizer)
        if not max_count > 0:
            raise ValueError(f"PolynomialShift: max_count must be positive, got {max_count!r}")
        self._rate = rate
        self._max_count = max_count
        self._init = init
        self._target = target

    def _start_value(self, optimizer):
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        return self._init

    def _value_at(self, t):
        value = self._init * max(1 - t / self._max_count, 0) ** self._rate
        if self._target is None:
            return value
        # Decaying (rate > 0): hold at target once the value falls below it.
        if self._rate > 0:
            return self._target if value == 0 or self._target / value > 1 else value
        return self._target if self._target / value < 1 else value

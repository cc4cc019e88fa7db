"""StepShift: multiply a hyperparameter by ``gamma`` every ``step`` calls."""

import math

from rechain.training.extensions import _shift


class StepShift(_shift._Shift):
    """Set ``optimizer.<attr> = init * gamma ** floor(t / step)``.

    Args:
        attr (str): The optimizer attribute.
        gamma (float): The factor per step.
        step (int): Calls per step.
        init (float): The initial value (the optimizer's current one when None).
        target (float): Where the value stops.
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.StepShift('lr', 0.1, 1000))
    """

    def __init__(self, attr, gamma, step, init=None, target=None, optimizer=None):
        super().__init__(attr, optimizer)
        if not step > 0:
            raise ValueError(f"StepShift: step must be positive, got {step!r}")
        self._gamma = gamma
        self._step = step
        self._init = init
        self._target = target

    def _start_value(self, optimizer):
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        return self._init

    def _value_at(self, t):
        value = self._init * self._gamma ** math.floor(t / self._step)
        return _shift._clip(value, self._target, self._gamma > 1)

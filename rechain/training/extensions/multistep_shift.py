"""MultistepShift: multiply a hyperparameter by ``gamma`` at given calls."""

from rechain.training.extensions import _shift


class MultistepShift(_shift._Shift):
    """Set ``optimizer.<attr> = init * gamma ** k``, ``k`` the number of
    entries of ``step_value`` reached so far (``t >= step_value[k-1]``).

    Args:
        attr (str): The optimizer attribute.
        gamma (float): The factor at each step.
        step_value (list of int): The calls at which the value changes, ascending.
        init (float): The initial value (the optimizer's current one when None).
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.MultistepShift('lr', 0.1, [30000, 60000], 0.1))
    """

    _serialize_last_value = False

    def __init__(self, attr, gamma, step_value, init, optimizer=None):
        super().__init__(attr, optimizer)
        step_value = list(step_value)
        if any(b < a for a, b in zip(step_value, step_value[1:])):
            raise ValueError(f"MultistepShift: step_value must be ascending, got {step_value}")
        self._gamma = gamma
        self._step_value = step_value
        self._init = init
        self._current_step = 0

    def _start_value(self, optimizer):
        if self._init is None:
            self._init = getattr(optimizer, self._attr)
        return self._init

    def _resumed_value(self):
        if self._t == 0:
            return None
        return self._init * self._gamma ** self._current_step

    def _value_at(self, t):
        if self._current_step < len(self._step_value) and \
                t >= self._step_value[self._current_step]:
            self._current_step += 1
        return self._init * self._gamma ** self._current_step

    def serialize(self, serializer):
        super().serialize(serializer)
        self._current_step = int(serializer("_current_step", self._current_step))
        if self._resolved is not None and self._t > 0 and self._init is not None:
            self._update_value(self._resolved, self._resumed_value())

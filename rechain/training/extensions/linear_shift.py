"""LinearShift: move a hyperparameter linearly between two values."""

from rechain.training.extensions import _shift


class LinearShift(_shift._Shift):
    """Interpolate ``optimizer.<attr>`` linearly over a range of calls.

    The value is ``v1`` up to call ``t1``, ``v2`` from call ``t2`` on, and
    ``v1 + (t - t1) / (t2 - t1) * (v2 - v1)`` in between.

    Args:
        attr (str): The optimizer attribute.
        value_range (tuple): ``(v1, v2)``.
        time_range (tuple): ``(t1, t2)``, with ``t1 < t2``.
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.LinearShift('lr', (0.1, 0.0), (0, 10000)))
    """

    def __init__(self, attr, value_range, time_range, optimizer=None):
        super().__init__(attr, optimizer)
        t1, t2 = time_range
        if not t1 < t2:
            raise ValueError(f"LinearShift: time_range must be (t1, t2) with t1 < t2, got "
                             f"{tuple(time_range)}")
        self._value_range = tuple(value_range)
        self._time_range = (t1, t2)

    def _start_value(self, optimizer):
        return self._value_at(self._t)

    def _value_at(self, t):
        t1, t2 = self._time_range
        v1, v2 = self._value_range
        if t <= t1:
            return v1
        if t >= t2:
            return v2
        return v1 + (t - t1) / (t2 - t1) * (v2 - v1)

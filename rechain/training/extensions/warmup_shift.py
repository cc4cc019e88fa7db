"""WarmupShift: ramp a hyperparameter linearly up to its value."""

from rechain.training.extensions import _shift


class WarmupShift(_shift._Shift):
    """Ramp ``optimizer.<attr>`` from ``warmup_start`` to ``init`` linearly.

    After the ``t``-th call, for ``t <= warmup_iter``, the value is
    ``(t * init + (warmup_iter - t) * warmup_start) / warmup_iter``; later
    calls leave the attribute alone (it stays at ``init`` unless another
    extension changes it).

    Args:
        attr (str): The optimizer attribute.
        warmup_start (float): The value at the start (the optimizer's
            current one when None).
        warmup_iter (int): The calls the ramp takes.
        init (float): The value at the end of the ramp.
        optimizer: The optimizer (the main one when None).

    Example:
        >>> trainer.extend(extensions.WarmupShift('lr', 0.0, 1000, 0.1))
    """

    _serialize_last_value = False

    def __init__(self, attr, warmup_start, warmup_iter, init, optimizer=None):
        super().__init__(attr, optimizer)
        if not warmup_iter > 0:
            raise ValueError(f"WarmupShift: warmup_iter must be positive, got "
                             f"{warmup_iter!r}")
        self._warmup_start = warmup_start
        self._warmup_iter = warmup_iter
        self._init = init

    def _start_value(self, optimizer):
        if self._warmup_start is None:
            self._warmup_start = getattr(optimizer, self._attr)
        return self._warmup_start

    def _resumed_value(self):
        if self._t == 0 or self._warmup_start is None:
            return None
        return self._ramp(min(self._t, self._warmup_iter))

    def _ramp(self, t):
        return (t * self._init + (self._warmup_iter - t) * self._warmup_start) \
            / self._warmup_iter

    def _value_at(self, t):
        if t <= self._warmup_iter:
            return self._ramp(t)
        return None

"""IntervalTrigger: fire every ``period`` iterations or epochs."""

from rechain.training.triggers import _common


class IntervalTrigger:
    """Fires once every ``period`` iterations, or every ``period`` epochs.

    With the ``'epoch'`` unit the period may be fractional (``0.5`` fires
    twice per epoch); the trigger fires on the iteration whose update crosses
    a multiple of the period in ``updater.epoch_detail``. With
    ``'iteration'`` it fires when ``updater.iteration`` reaches a multiple
    of the period.

    Args:
        period (int or float): Length of the interval (positive; a whole
            number for iterations).
        unit (str): ``'iteration'`` or ``'epoch'``.

    Raises:
        ValueError: If the unit is unknown or the period is not positive.

    Example:
        >>> trainer.extend(extensions.LogReport(), trigger=IntervalTrigger(1, 'epoch'))
    """

    def __init__(self, period, unit):
        _common.check_unit("IntervalTrigger", unit)
        _common.check_time_point("IntervalTrigger", "period", period, unit, positive=True)
        self.period = period
        self.unit = unit
        self._previous_iteration = 0
        self._previous_epoch_detail = 0.0
        self.count = 0  # Chainer keeps it: completed periods, for 'epoch'

    def __call__(self, trainer):
        """Whether the extension runs on this iteration."""
        updater = trainer.updater
        if self.unit == "epoch":
            current = updater.epoch_detail
            previous = self._previous_epoch_detail
            if previous < 0:  # unknown (loaded from an old snapshot)
                previous = updater.previous_epoch_detail
                if previous is None:
                    previous = 0.0
            self.count = current // self.period
            fire = previous // self.period != current // self.period
        else:
            current = updater.iteration
            previous = self._previous_iteration
            if previous < 0:  # unknown: assume we were called on the last iteration
                previous = current - 1
            fire = previous // self.period != current // self.period
        self._previous_iteration = updater.iteration
        if hasattr(updater, "epoch_detail"):
            self._previous_epoch_detail = updater.epoch_detail
        return fire

    def serialize(self, serializer):
        """Save or load where the trigger last looked."""
        value = _common.load(
            serializer, "previous_iteration", self._previous_iteration,
            "IntervalTrigger: the snapshot has no previous_iteration; assuming the trigger "
            "was called on every iteration")
        self._previous_iteration = -1 if value is None else int(value)
        value = _common.load(
            serializer, "previous_epoch_detail", self._previous_epoch_detail,
            "IntervalTrigger: the snapshot has no previous_epoch_detail; using the "
            "updater's previous_epoch_detail")
        self._previous_epoch_detail = -1.0 if value is None else float(value)

    def get_training_length(self):
        """``(period, unit)``: how long training runs when this is the stop trigger."""
        return self.period, self.unit

    def __str__(self):
        return f"{type(self).__name__}({self.period}, {self.unit!r})"

    __repr__ = __str__

"""ManualScheduleTrigger: fire at given iterations or epochs."""

from rechain.training.triggers import _common


class ManualScheduleTrigger:
    """Fires on the iterations that reach the given points.

    With the ``'epoch'`` unit, a point ``p`` fires on the iteration whose
    update takes ``updater.epoch_detail`` from below ``p`` to ``p`` or
    beyond (points may be fractional); with ``'iteration'``, on the iteration
    ``p``.

    Args:
        points (int, float or list of them): When to fire.
        unit (str): ``'iteration'`` or ``'epoch'``.

    Attributes:
        finished (bool): True once the last point has fired (the trainer then
            skips the extension's ``initialize`` on resume).

    Example:
        >>> trainer.extend(extensions.ExponentialShift('lr', 0.1),
        ...                trigger=ManualScheduleTrigger([100, 150], 'epoch'))
    """

    def __init__(self, points, unit):
        _common.check_unit("ManualScheduleTrigger", unit)
        if isinstance(points, (list, tuple)):
            points = list(points)
        else:
            points = [points]
        if not points:
            raise ValueError("ManualScheduleTrigger: points is empty")
        for i, p in enumerate(points):
            _common.check_time_point("ManualScheduleTrigger", f"points[{i}]", p, unit,
                                     positive=False)
        self.points = points
        self.unit = unit
        self.finished = False
        self._finished_unknown = False
        self._previous_iteration = 0
        self._previous_epoch_detail = 0.0

    def __call__(self, trainer):
        """Whether the extension runs on this iteration."""
        updater = trainer.updater
        if self.unit == "epoch":
            current = updater.epoch_detail
            previous = self._previous_epoch_detail
            if previous < 0:
                previous = updater.previous_epoch_detail
                if previous is None:
                    previous = 0.0
        else:
            current = updater.iteration
            previous = self._previous_iteration
            if previous < 0:
                previous = current - 1
        fire = any(previous < p <= current for p in self.points)
        past_last = current >= max(self.points)
        if self._finished_unknown:
            self._finished_unknown = False
            if past_last:
                self.finished = True
        if fire and past_last:
            self.finished = True
        self._previous_iteration = updater.iteration
        if hasattr(updater, "epoch_detail"):
            self._previous_epoch_detail = updater.epoch_detail
        return fire

    def serialize(self, serializer):
        """Save or load where the trigger last looked and ``finished``."""
        value = _common.load(
            serializer, "previous_iteration", self._previous_iteration,
            "ManualScheduleTrigger: the snapshot has no previous_iteration; assuming the "
            "trigger was called on every iteration")
        self._previous_iteration = -1 if value is None else int(value)
        value = _common.load(
            serializer, "previous_epoch_detail", self._previous_epoch_detail,
            "ManualScheduleTrigger: the snapshot has no previous_epoch_detail; using the "
            "updater's previous_epoch_detail")
        self._previous_epoch_detail = -1.0 if value is None else float(value)
        value = _common.load(
            serializer, "finished", self.finished,
            "ManualScheduleTrigger: the snapshot has no finished flag; it is worked out on "
            "the next call")
        if value is None:
            self.finished = False
            self._finished_unknown = True
        else:
            self.finished = bool(value)

    def get_training_length(self):
        """``(last point, unit)``: how long training runs as a stop trigger."""
        return max(self.points), self.unit

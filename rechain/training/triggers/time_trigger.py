"""TimeTrigger: fire every ``period`` seconds of training time."""

import numbers


class TimeTrigger:
    """Fires on the first iteration after each ``period`` seconds of
    ``trainer.elapsed_time`` (which counts the time before a resume).

    Args:
        period (float): Seconds between firings (positive).

    Example:
        >>> trainer.extend(extensions.snapshot(), trigger=TimeTrigger(3600))
    """

    def __init__(self, period):
        if isinstance(period, bool) or not isinstance(period, numbers.Real) or not period > 0:
            raise ValueError(f"TimeTrigger: period must be a positive number of seconds, got "
                             f"{period!r}")
        self._period = period
        self._next_time = period

    def __call__(self, trainer):
        """True when the elapsed time has passed the next firing time."""
        if self._next_time < trainer.elapsed_time:
            self._next_time += self._period
            return True
        return False

    def serialize(self, serializer):
        """Save or load the next firing time."""
        self._next_time = float(serializer("next_time", float(self._next_time)))

"""Triggers that fire when a reported value reaches a new best."""

from rechain import reporter
from rechain.serializers import base as _serializer_base
from rechain.training import _util


class BestValueTrigger:
    """Fires when the mean of a reported value over an interval is a new best.

    At every iteration the trigger adds ``trainer.observation[key]`` (when
    present) to a running mean; when ``trigger`` fires it compares the mean
    with the best so far, starts a new mean, and fires if the new value is
    better (always, the first time).

    Args:
        key (str): The observation key, e.g. ``'validation/main/loss'``.
        compare (callable): ``compare(best, new)`` returns True when ``new``
            is better than ``best``.
        trigger: When to compare (a trigger or ``(period, unit)``).

    Raises:
        KeyError: On a comparison when ``key`` was not reported since the
            previous one (except on the first comparison after loading a
            snapshot, which may have been taken after the value's iteration:
            then the trigger does not fire).
    """

    def __init__(self, key, compare, trigger=(1, "epoch")):
        if not callable(compare):
            raise TypeError(f"{type(self).__name__}: compare must be callable, not "
                            f"{type(compare).__name__}")
        self._key = key
        self._compare = compare
        self._best_value = None
        self._interval_trigger = _util.get_trigger(trigger)
        self._summary = reporter.DictSummary()
        self._just_loaded = False

    def __call__(self, trainer):
        """Whether the extension runs on this iteration."""
        key = self._key
        observation = trainer.observation
        if key in observation:
            self._summary.add({key: observation[key]})
        if not self._interval_trigger(trainer):
            return False
        means = self._summary.compute_mean()
        just_loaded, self._just_loaded = self._just_loaded, False
        if key not in means:
            if just_loaded:
                return False
            raise KeyError(f"{type(self).__name__}: {key!r} was not reported since the last "
                           f"comparison (this iteration's observation has "
                           f"{sorted(observation)})")
        value = float(means[key])
        self._summary = reporter.DictSummary()
        if self._best_value is None or self._compare(self._best_value, value):
            self._best_value = value
            return True
        return False

    def serialize(self, serializer):
        """Save or load the interval trigger, the running mean and the best value."""
        if hasattr(self._interval_trigger, "serialize"):
            self._interval_trigger.serialize(serializer["interval_trigger"])
        self._summary.serialize(serializer["summary"])
        value = serializer("best_value", self._best_value)
        self._best_value = None if value is None else float(value)
        if isinstance(serializer, _serializer_base.Deserializer):
            self._just_loaded = True


class MaxValueTrigger(BestValueTrigger):
    """Fires when the mean of ``key`` over an interval is a new maximum.

    Args:
        key (str): The observation key, e.g. ``'validation/main/accuracy'``.
        trigger: When to compare (default ``(1, 'epoch')``).

    Example:
        >>> trainer.extend(extensions.snapshot_object(model, 'best.npz'),
        ...                trigger=MaxValueTrigger('validation/main/accuracy'))
    """

    def __init__(self, key, trigger=(1, "epoch")):
        super().__init__(key, lambda best, new: new > best, trigger)


class MinValueTrigger(BestValueTrigger):
    """Fires when the mean of ``key`` over an interval is a new minimum.

    Args:
        key (str): The observation key, e.g. ``'validation/main/loss'``.
        trigger: When to compare (default ``(1, 'epoch')``).
    """

    def __init__(self, key, trigger=(1, "epoch")):
        super().__init__(key, lambda best, new: new < best, trigger)

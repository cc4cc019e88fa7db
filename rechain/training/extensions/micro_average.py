"""MicroAverage: a ratio of two sums accumulated over a trigger interval."""

from rechain import reporter
from rechain.training import _util
from rechain.training import extension


class MicroAverage(extension.Extension):
    """Report ``sum(numerator) / sum(denominator)`` over each interval.

    Where batches differ in size, the mean of per-batch accuracies is not
    the accuracy over all examples; reporting the number of correct
    examples and the batch size each iteration and letting this extension
    divide the sums gives the exact (micro-averaged) value.

    Args:
        numerator_key (str): Observation key of the numerator.
        denominator_key (str): Observation key of the denominator.
        result_key (str): Key the ratio is reported under.
        trigger: When to report and restart the sums (``(1, 'epoch')``).

    Example:
        >>> trainer.extend(extensions.MicroAverage(
        ...     'main/correct', 'main/total', 'main/accuracy'))
    """

    priority = extension.PRIORITY_EDITOR

    def __init__(self, numerator_key, denominator_key, result_key, trigger=(1, "epoch")):
        self._trigger = _util.get_trigger(trigger)
        self._numerator_key = numerator_key
        self._denominator_key = denominator_key
        self._result_key = result_key
        self._numerator = 0
        self._denominator = 0

    def __call__(self, trainer):
        observation = trainer.observation
        if self._numerator_key not in observation or self._denominator_key not in observation:
            return
        self._numerator += _scalar(observation[self._numerator_key])
        self._denominator += _scalar(observation[self._denominator_key])
        if self._trigger(trainer):
            if self._denominator == 0:
                raise ZeroDivisionError(f"MicroAverage: the sum of {self._denominator_key!r} "
                                        f"over the interval is 0")
            result = float(self._numerator) / float(self._denominator)
            self._numerator = 0
            self._denominator = 0
            reporter.report({self._result_key: result})

    def serialize(self, serializer):
        if hasattr(self._trigger, "serialize"):
            try:
                self._trigger.serialize(serializer["_trigger"])
            except KeyError:  # snapshots written by Chainer do not have it
                pass
        self._numerator = _scalar(serializer("_numerator", self._numerator))
        self._denominator = _scalar(serializer("_denominator", self._denominator))


def _scalar(value):
    value = getattr(value, "array", value)
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        return value.item()
    return value

"""The machinery shared by the hyperparameter schedules (``*Shift``).

A schedule sets ``optimizer.<attr>`` (``lr`` for SGD, ``alpha`` for Adam, or
any attribute) as a function of how many times it has been called, ``t``.
By default it is called every iteration; give ``trigger=`` to ``extend`` to
change that. ``optimizer=None`` means the trainer's ``'main'`` optimizer.
The counter and the last value are saved in snapshots under Chainer's keys
(``_t``, ``_last_value``), and a loaded value is applied to the optimizer at
once (see Note [snapshot autoload] in ``_snapshot``).
"""

import numpy

from rechain import serializers
from rechain.training import extension


class _Shift(extension.Extension):
    """Base class: subclasses define ``_start_value()`` and ``_value_at(t)``."""

    _serialize_last_value = True

    def __init__(self, attr, optimizer=None):
        if not isinstance(attr, str):
            raise TypeError(f"{type(self).__name__}: attr must be the name of an optimizer "
                            f"attribute (a str), not {type(attr).__name__}")
        self._attr = attr
        self._optimizer = optimizer
        self._t = 0
        self._last_value = None
        self._resolved = None  # the optimizer, once known

    def _get_optimizer(self, trainer):
        optimizer = self._optimizer or trainer.updater.get_optimizer("main")
        if not hasattr(optimizer, self._attr):
            raise AttributeError(f"{type(self).__name__}: the optimizer "
                                 f"({type(optimizer).__name__}) has no attribute "
                                 f"{self._attr!r}")
        self._resolved = optimizer
        return optimizer

    def _update_value(self, optimizer, value):
        setattr(optimizer, self._attr, value)
        self._last_value = value

    def _start_value(self, optimizer):
        """The value set at initialize on a fresh start."""
        raise NotImplementedError

    def _value_at(self, t):
        """The value after the ``t``-th call."""
        raise NotImplementedError

    def _resumed_value(self):
        return self._last_value

    def initialize(self, trainer):
        optimizer = self._get_optimizer(trainer)
        start = self._start_value(optimizer)
        resumed = self._resumed_value()
        self._update_value(optimizer, start if resumed is None else resumed)

    def __call__(self, trainer):
        self._t += 1
        value = self._value_at(self._t)
        if value is not None:
            self._update_value(self._get_optimizer(trainer), value)

    def serialize(self, serializer):
        self._t = int(serializer("_t", self._t))
        if self._serialize_last_value:
            value = serializer("_last_value", self._last_value)
            if isinstance(value, numpy.ndarray):
                value = value.item()
            self._last_value = value
        if isinstance(serializer, serializers.Deserializer) and self._resolved is not None:
            # Loaded after initialize (autoload): apply the loaded state now.
            resumed = self._resumed_value()
            if resumed is not None:
                self._update_value(self._resolved, resumed)


def _clip(value, target, grows):
    """``value`` held at ``target`` once it passes it (Chainer's ratio test,
    which works for negative values too)."""
    if target is None:
        return value
    if grows:
        return target if value / target > 1 else value
    return target if value / target < 1 else value

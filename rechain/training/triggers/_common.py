"""Helpers shared by the triggers: argument checks and tolerant loading."""

import numbers
import warnings

_UNITS = ("epoch", "iteration")


def check_unit(where, unit):
    """Raise ValueError naming ``unit`` unless it is 'epoch' or 'iteration'."""
    if not isinstance(unit, str) or unit not in _UNITS:
        raise ValueError(f"{where}: the unit must be 'epoch' or 'iteration', got {unit!r}")


def check_time_point(where, what, value, unit, positive):
    """Check a period or a point: a real number, integral for iterations."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {what} must be a number, not {type(value).__name__} "
                        f"({value!r})")
    if positive and not value > 0:
        raise ValueError(f"{where}: {what} must be positive, got {value!r}")
    if not positive and value < 0:
        raise ValueError(f"{where}: {what} must not be negative, got {value!r}")
    if unit == "iteration" and value != int(value):
        raise ValueError(f"{where}: {what} must be a whole number of iterations, got "
                         f"{value!r}")


def load(serializer, key, value, message):
    """``serializer(key, value)``; a missing key warns ``message`` and gives None."""
    try:
        return serializer(key, value)
    except KeyError:
        warnings.warn(message)
        return None

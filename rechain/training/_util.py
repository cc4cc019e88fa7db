"""get_trigger: turn what a user passes as a trigger into a trigger."""

from rechain.training.triggers import interval_trigger


def _never_fire_trigger(trainer):
    """A trigger that never fires (what ``get_trigger(None)`` returns)."""
    return False


def get_trigger(trigger):
    """Return a trigger object for ``trigger``.

    A trigger is a callable ``trigger(trainer) -> bool``.

    Args:
        trigger: A callable (returned as is), None (a trigger that never
            fires) or a pair ``(period, unit)`` with unit ``'epoch'`` or
            ``'iteration'`` (an :class:`~rechain.training.triggers.IntervalTrigger`).

    Returns:
        callable: The trigger.

    Raises:
        TypeError: If ``trigger`` is none of these.
        ValueError: If the unit is not ``'epoch'`` or ``'iteration'``, or the
            period is not positive.

    Example:
        >>> get_trigger((1, 'epoch'))
        IntervalTrigger(1, 'epoch')
    """
    if callable(trigger):
        return trigger
    if trigger is None:
        return _never_fire_trigger
    if isinstance(trigger, (tuple, list)) and len(trigger) == 2:
        return interval_trigger.IntervalTrigger(*trigger)
    raise TypeError(f"get_trigger: a trigger must be a callable, None or a pair "
                    f"(period, 'epoch' | 'iteration'), not {trigger!r}")

"""get_trigger: turn what a user passes as a trigger into a trigger."""

import numpy

from rechain.dataset import convert
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


def _is_device_object(spec):
    return not isinstance(spec, str) and hasattr(spec, "send") and hasattr(spec, "xp")


def _legacy_device_id(device):
    """The integer id a plain-function converter expects: -1 for the CPU."""
    if not _is_device_object(device):
        if isinstance(device, str):
            return -1
        return int(device)
    if device.xp is numpy:
        return -1
    inner = getattr(device, "device", None)
    device_id = getattr(inner, "id", None)
    if device_id is None:
        device_id = getattr(device, "id", None)
    if device_id is None:
        raise TypeError(f"cannot tell the GPU id of device {device!r} for a "
                        f"converter that takes an int device; decorate the converter with "
                        f"rechain.dataset.converter() to receive the device object")
    return int(device_id)


def _call_converter(converter, batch, device):
    """Call ``converter(batch, device)`` as Chainer does.

    A :class:`~rechain.dataset.Converter` (such as ``concat_examples``)
    receives the device itself; a plain function receives None, -1 for the
    CPU or the GPU id.
    """
    if device is None:
        return converter(batch, None)
    converter_type = getattr(convert, "Converter", None)
    if converter_type is not None and isinstance(converter, converter_type):
        return converter(batch, device)
    return converter(batch, _legacy_device_id(device))

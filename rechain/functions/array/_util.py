"""Private helpers shared by the array functions: axis checks with shapes in
the message, ordinals for positions."""

import numpy

from rechain import backend
from rechain import variable
from rechain.utils import text
from rechain.utils import type_check

_INPUT_TYPES = (variable.Variable,) + backend.array_types


def check_input(fname, x, argname="x"):
    """``x`` must be a Variable or an ndarray (before its shape is read)."""
    if not isinstance(x, _INPUT_TYPES):
        raise TypeError(f"{fname}: {argname} must be a Variable or an ndarray, "
                        f"not {type(x).__name__}")


def is_int(v):
    return isinstance(v, (int, numpy.integer)) and not isinstance(v, bool)


ordinal = text.ordinal


def normalize_axis(fname, axis, x_shape, argname="axis", extra=0, xname="x"):
    """Return ``axis`` as a non-negative int valid for ``len(x_shape) + extra`` axes.

    ``extra=1`` is for functions that insert an axis (expand_dims, stack).
    The message names the function, the argument and the input's shape.
    """
    if not is_int(axis):
        raise TypeError(f"{fname}: {argname} must be an int, not {type(axis).__name__}")
    n = len(x_shape) + extra
    if not -n <= axis < n:
        raise type_check.InvalidType(
            f"{fname}: {argname}={axis} is out of range for {xname} of shape "
            f"{tuple(x_shape)} (valid: {-n} to {n - 1})")
    return int(axis) % n


def normalize_axes(fname, axes, x_shape, argname="axis"):
    """Return an int or a sequence of ints as a tuple of distinct non-negative axes."""
    if is_int(axes):
        axes = (axes,)
    try:
        axes = tuple(axes)
    except TypeError:
        raise TypeError(f"{fname}: {argname} must be an int or a sequence of ints, "
                        f"not {type(axes).__name__}") from None
    out = tuple(normalize_axis(fname, a, x_shape, argname) for a in axes)
    if len(set(out)) != len(out):
        raise type_check.InvalidType(
            f"{fname}: {argname}={axes} repeats an axis (x shape {tuple(x_shape)})")
    return out

"""Checks of operation inputs that fail loudly and specifically.

Every message names the function, the argument and the offending shape or
dtype. Checks run while ``config.type_check`` is True (the default); wrappers
call them before applying their function node.
"""

import numpy

from rechain import configuration


class InvalidType(TypeError, ValueError):
    """Raised when an operation receives inputs of the wrong shape or dtype.

    It is both a TypeError and a ValueError, so code catching either sees it.
    """


def enabled():
    return configuration.config.type_check


def _fmt_shape(shape):
    return str(tuple(shape))


def expect_array(fname, argname, x):
    """``x`` must be a Variable or an array (not a list, a scalar or None)."""
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        raise InvalidType(f"{fname}: {argname} must be a Variable or an ndarray, not "
                          f"{type(x).__name__}")


def expect_float(fname, argname, x):
    """``x`` (array or Variable) must have a floating-point dtype."""
    expect_array(fname, argname, x)
    if x.dtype.kind != "f":
        raise InvalidType(f"{fname}: {argname} must have a floating-point dtype, "
                          f"got {x.dtype} (shape {_fmt_shape(x.shape)})")


def expect_kind(fname, argname, x, kinds, what):
    expect_array(fname, argname, x)
    if x.dtype.kind not in kinds:
        raise InvalidType(f"{fname}: {argname} must have {what} dtype, got {x.dtype} "
                          f"(shape {_fmt_shape(x.shape)})")


def expect_same_dtype(fname, names, xs):
    d0 = xs[0].dtype
    for n, x in zip(names[1:], xs[1:]):
        if x.dtype != d0:
            raise InvalidType(f"{fname}: {names[0]} and {n} must have the same dtype, "
                              f"got {d0} and {x.dtype}")


def expect_same_shape(fname, names, xs):
    s0 = xs[0].shape
    for n, x in zip(names[1:], xs[1:]):
        if x.shape != s0:
            raise InvalidType(f"{fname}: {names[0]} and {n} must have the same shape, "
                              f"got {_fmt_shape(s0)} and {_fmt_shape(x.shape)}")


def expect_ndim(fname, argname, x, ndim, at_least=False):
    ok = x.ndim >= ndim if at_least else x.ndim == ndim
    if not ok:
        want = f"at least {ndim}" if at_least else f"{ndim}"
        raise InvalidType(f"{fname}: {argname} must have {want} dimensions, "
                          f"got shape {_fmt_shape(x.shape)}")


def broadcast_shapes(fname, names, shapes):
    """Return the broadcast shape, or raise naming every operand's shape."""
    try:
        return numpy.broadcast_shapes(*shapes)
    except ValueError:
        desc = ", ".join(f"{n} {_fmt_shape(s)}" for n, s in zip(names, shapes))
        raise InvalidType(f"{fname}: shapes cannot be broadcast together: {desc}") from None


def normalize_axis(fname, axis, ndim, argname="axis", shape=None):
    """Return ``axis`` as a non-negative int, or raise naming the input's shape."""
    if not isinstance(axis, (int, numpy.integer)) or isinstance(axis, bool):
        raise TypeError(f"{fname}: {argname} must be an int, not {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        what = f"of shape {_fmt_shape(shape)}" if shape is not None else f"with {ndim} dimensions"
        raise InvalidType(f"{fname}: {argname}={axis} is out of range for an input {what}")
    return int(axis) % ndim if ndim else 0


def normalize_axes(fname, axis, ndim, argname="axis", shape=None):
    """Return ``axis`` (None, int or tuple) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, numpy.integer)):
        axis = (axis,)
    elif not isinstance(axis, (tuple, list)):
        raise TypeError(f"{fname}: {argname} must be None, an int or a tuple of ints, "
                        f"not {type(axis).__name__}")
    axes = tuple(normalize_axis(fname, a, ndim, argname, shape) for a in axis)
    if len(set(axes)) != len(axes):
        what = f" of an input of shape {_fmt_shape(shape)}" if shape is not None else ""
        raise InvalidType(f"{fname}: {argname}={tuple(axis)} repeats an axis{what}")
    return tuple(sorted(axes))

"""Checking and broadcasting the parameters of a distribution."""

import numpy

from rechain import variable
from rechain.functions.array.broadcast import broadcast_to


def as_param(value, dist, name):
    """``value`` (Variable or array) as a Variable of a floating dtype."""
    if not isinstance(value, variable.Variable):
        if isinstance(value, (float, int)) and not isinstance(value, bool):
            value = numpy.asarray(value, dtype=numpy.float64)
        try:
            value = variable.as_variable(value)
        except TypeError:
            raise TypeError(f"{dist}: {name} must be a Variable or an array, "
                            f"not {type(value).__name__}") from None
    if value.dtype.kind != "f":
        raise TypeError(f"{dist}: {name} must have a floating dtype, got {value.dtype} "
                        f"(shape {value.shape})")
    return value


def batch_shape(dist, named):
    """The broadcast shape of parameters ``[(name, Variable)]``; raises naming them."""
    try:
        return tuple(numpy.broadcast_shapes(*[v.shape for _, v in named]))
    except ValueError:
        shapes = ", ".join(f"{n} {v.shape}" for n, v in named)
        raise ValueError(f"{dist}: parameter shapes do not broadcast: {shapes}") from None


def check_dtypes(dist, named):
    dtypes = {v.dtype for _, v in named}
    if len(dtypes) > 1:
        desc = ", ".join(f"{n} {v.dtype}" for n, v in named)
        raise TypeError(f"{dist}: parameters must have one dtype, got {desc}")


def expand(v, shape):
    """``v`` broadcast to ``shape`` (itself when it already has it)."""
    return v if v.shape == shape else broadcast_to(v, shape)

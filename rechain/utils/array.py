"""Array helpers Chainer code calls as ``chainer.utils.*``.

``force_array`` and ``force_type`` turn the NumPy scalars an operation on
a 0-d array returns back into arrays of the wanted dtype; ``size_of_shape``
and ``sum_to`` work on plain arrays (``F.sum_to`` is the differentiable one).
"""

import numpy


def force_array(x, dtype=None):
    """``x`` as an array: a scalar becomes a 0-d array; ``dtype`` casts (no copy if same)."""
    if numpy.isscalar(x):
        return numpy.array(x) if dtype is None else numpy.array(x, dtype)
    if dtype is None:
        return x
    return x.astype(dtype, copy=False)


def force_type(dtype, value):
    """``value`` (scalar or array) in ``dtype``: a scalar of that type or a cast array."""
    dtype = numpy.dtype(dtype)
    if numpy.isscalar(value):
        return dtype.type(value)
    if value.dtype != dtype:
        return value.astype(dtype, copy=False)
    return value


def size_of_shape(shape):
    """Number of elements of an array of ``shape``, as a Python int."""
    size = 1
    for n in shape:
        size *= int(n)
    return size


def sum_to(x, shape):
    """Sum array ``x`` down to ``shape``, undoing broadcasting (arrays only).

    Raises:
        TypeError: for a Variable (use ``F.sum_to``).
    """
    from rechain.variable import Variable
    if isinstance(x, Variable):
        raise TypeError("utils.sum_to: takes an array, got a Variable; use "
                        "functions.sum_to for Variables")
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"utils.sum_to: cannot sum shape {x.shape} to the larger "
                         f"rank shape {shape}")
    if any(n != 1 and n != m for n, m in zip(shape, x.shape[lead:])):
        raise ValueError(f"utils.sum_to: shape {x.shape} does not broadcast from {shape}")
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    y = x.sum(axis=axes, keepdims=True)
    if lead:
        y = y.reshape(shape)
    return y

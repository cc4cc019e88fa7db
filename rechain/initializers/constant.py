"""Deterministic initializers: constants, identity, NaN."""

import numpy

from rechain import backend
from rechain.initializers import base


class Constant(base.Initializer):
    """Fills with ``fill_value`` (a scalar, or an array broadcast to the shape).

    Args:
        fill_value: Scalar or array.
        dtype: dtype of generated arrays.

    Example:
        >>> b = initializers.generate_array(Constant(0.1), (3,), numpy)
    """

    def __init__(self, fill_value, dtype=None):
        super().__init__(dtype)
        self.fill_value = fill_value

    def __call__(self, array):
        value = self.fill_value
        if isinstance(value, backend.array_types):
            xp = backend.get_array_module(array)
            value = xp.asarray(value) if xp is not numpy else backend.to_cpu(value)
            try:
                shape = numpy.broadcast_shapes(value.shape, array.shape)
            except ValueError:
                shape = None
            if shape != array.shape:
                raise ValueError(f"Constant: the fill value of shape {value.shape} cannot "
                                 f"fill an array of shape {array.shape}")
        array[...] = value

    def __repr__(self):
        v = self.fill_value
        v = f"<array {v.shape} {v.dtype}>" if isinstance(v, backend.array_types) else repr(v)
        return f"Constant({v})"


class Zero(Constant):
    """Fills with zeros.

    Example:
        >>> b = initializers.generate_array(Zero(), (3,), numpy)
    """

    def __init__(self, dtype=None):
        super().__init__(0, dtype)

    def __repr__(self):
        return "Zero()"


class One(Constant):
    """Fills with ones.

    Example:
        >>> g = initializers.generate_array(One(), (3,), numpy)
    """

    def __init__(self, dtype=None):
        super().__init__(1, dtype)

    def __repr__(self):
        return "One()"


class NaN(Constant):
    """Fills with NaN: the placeholder value of an uninitialised parameter.

    Example:
        >>> a = initializers.generate_array(NaN(), (3,), numpy)
    """

    def __init__(self, dtype=None):
        super().__init__(numpy.nan, dtype)

    def __call__(self, array):
        base.check_float("NaN", array)
        array[...] = numpy.nan

    def __repr__(self):
        return "NaN()"


class Identity(base.Initializer):
    """Fills a square matrix with ``scale`` times the identity.

    Example:
        >>> W = initializers.generate_array(Identity(), (3, 3), numpy)
    """

    def __init__(self, scale=1.0, dtype=None):
        super().__init__(dtype)
        self.scale = scale

    def __call__(self, array):
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise ValueError(f"Identity: needs a square 2-D array, got shape {array.shape}")
        xp = backend.get_array_module(array)
        array[...] = xp.identity(array.shape[0], dtype=array.dtype) * self.scale

"""The initializer base class and the helpers every initializer shares."""

import numpy

from rechain import backend
from rechain import configuration
from rechain import random as _random


class Initializer:
    """Base class of initializers: ``init(array)`` fills ``array`` in place.

    Args:
        dtype: The dtype this initializer produces when it allocates the array
            itself (through :func:`generate_array`); None means the
            configured default ``rechain.config.dtype``.
    """

    def __init__(self, dtype=None):
        self.dtype = None if dtype is None else numpy.dtype(dtype)

    def __call__(self, array):
        raise NotImplementedError(f"{type(self).__name__}.__call__ is not implemented")

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                           if not k.startswith("_") and k != "rng")
        return f"{type(self).__name__}({fields})"


def generate_array(initializer, shape, xp, dtype=None, device=None):
    """Allocate an array of ``shape`` and fill it with ``initializer``.

    Args:
        initializer (callable): Called once with the new array.
        shape (int or tuple of int): Shape of the array.
        xp: ``numpy`` or ``cupy``.
        dtype: dtype of the array. If the initializer declares a dtype as
            well, both must agree. Default: the initializer's dtype, else
            ``rechain.config.dtype``.
        device: CuPy device id to allocate on (ignored for NumPy).

    Returns:
        The filled array.

    Example:
        >>> W = generate_array(initializers.HeNormal(), (3, 4), numpy)
    """
    own = getattr(initializer, "dtype", None)
    if dtype is not None and own is not None and numpy.dtype(dtype) != numpy.dtype(own):
        raise ValueError(f"generate_array: dtype {numpy.dtype(dtype)} was requested but the "
                         f"initializer {initializer!r} produces {numpy.dtype(own)}")
    if dtype is None:
        dtype = own if own is not None else configuration.config.dtype
    shape = (int(shape),) if isinstance(shape, (int, numpy.integer)) else tuple(shape)
    if xp is numpy or device is None:
        array = xp.empty(shape, dtype=dtype)
    else:
        with backend.cupy.cuda.Device(device):
            array = xp.empty(shape, dtype=dtype)
    initializer(array)
    return array


def get_fans(shape):
    """Return ``(fan_in, fan_out)`` of a weight of ``shape``.

    The first axis is the output, the second the input; further axes (a
    convolution kernel's spatial extent) multiply both fans.

    Args:
        shape (tuple of int): At least two dimensions.

    Example:
        >>> get_fans((16, 3, 5, 5))
        (75, 400)
    """
    if len(shape) < 2:
        raise ValueError(f"get_fans: a weight shape needs at least 2 dimensions "
                         f"(out, in, ...) to define fans, got {tuple(shape)}")
    receptive = 1
    for s in shape[2:]:
        receptive *= int(s)
    return int(shape[1]) * receptive, int(shape[0]) * receptive


def check_float(name, array):
    if array.dtype.kind != "f":
        raise TypeError(f"{name}: can only fill floating-point arrays, got dtype {array.dtype} "
                        f"(shape {array.shape})")


def _draws(rng, xp):
    """The generator to draw from: the given one or a fresh framework stream."""
    return _random.get_generator(xp) if rng is None else rng


def fill_normal(array, std, rng=None):
    """Fill ``array`` with N(0, std²) draws."""
    if array.size == 0:
        return
    xp = backend.get_array_module(array)
    values = _draws(rng, xp).standard_normal(size=array.shape)
    array[...] = xp.asarray(values) * std


def fill_uniform(array, low, high, rng=None):
    """Fill ``array`` with U[low, high) draws."""
    if array.size == 0:
        return
    xp = backend.get_array_module(array)
    values = _draws(rng, xp).random(size=array.shape)
    array[...] = xp.asarray(values) * (high - low) + low

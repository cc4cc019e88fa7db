"""Device objects: where arrays live, as in Chainer's ``chainer.backend``.

A device knows its array module (``xp``), sends arrays to itself (``send``)
and can be made current (``use``, ``create_context``). Two devices are equal
when they name the same place, so they work as dict keys. :func:`get_device`
turns Chainer's device specifiers (``'@numpy'``, ``'@cupy:0'``, ``-1``, ``0``
...) into a device. CuPy is reached through :mod:`rechain.backend` (the only
module that imports it), which re-exports everything public here.
"""

import contextlib
import re

import numpy

from rechain import backend


class Device:
    """Base class of devices (:class:`CpuDevice`, :class:`GpuDevice`).

    Subclasses define ``xp``, ``name``, ``supported_array_types``,
    ``send_array``, ``is_array_supported`` and ``__eq__``.
    """

    xp = None
    name = None
    supported_array_types = ()

    def __str__(self):
        return self.name

    def __enter__(self):
        raise RuntimeError(f"{self!r} is not a context manager; use "
                           f"rechain.using_device({self.name!r}) to make it current")

    def __exit__(self, *exc):  # needed for __enter__ to give the message above
        return False

    def __eq__(self, other):
        return NotImplemented

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def create_context(self):
        """Return a context manager in which this device is current."""
        return contextlib.nullcontext()

    def send(self, arrays):
        """Transfer an array, or the arrays of nested lists, tuples and dicts.

        The structure is kept; None stays None; an array that appears twice
        comes back as one array (so shared arrays stay shared). An array
        already on this device is returned as is (no copy).

        Args:
            arrays: An array, a NumPy scalar, or a (nested) list, tuple or dict
                of them.

        Returns:
            The same structure with every array on this device.
        """
        return backend._map_arrays(arrays, self.send_array, True, {})

    def send_array(self, array):
        """Transfer one array to this device."""
        raise NotImplementedError(f"{type(self).__name__} must implement send_array")

    def use(self):
        """Make this device current in the calling thread."""

    def is_array_supported(self, array):
        """Whether ``array`` lives on this device."""
        raise NotImplementedError(f"{type(self).__name__} must implement is_array_supported")


class CpuDevice(Device):
    """The host: NumPy arrays (specifier ``'@numpy'``)."""

    name = "@numpy"
    xp = numpy
    supported_array_types = (numpy.ndarray,)

    @staticmethod
    def from_array(array):
        """A CpuDevice if ``array`` is a NumPy array, else None."""
        return CpuDevice() if isinstance(array, numpy.ndarray) else None

    def __eq__(self, other):
        return isinstance(other, CpuDevice)

    __hash__ = Device.__hash__

    def __repr__(self):
        return f"<{type(self).__name__} (numpy)>"

    def send_array(self, array):
        return backend._array_to_cpu(array)

    def is_array_supported(self, array):
        return isinstance(array, numpy.ndarray)


def _check_gpu_id(device_id, what):
    if isinstance(device_id, bool) or not isinstance(device_id, (int, numpy.integer)) \
            or device_id < 0:
        raise ValueError(f"{what}: invalid CUDA device id {device_id!r} (an int >= 0)")
    count = backend._cupy.cuda.runtime.getDeviceCount()
    if device_id >= count:
        raise ValueError(f"{what}: there is no CUDA device {int(device_id)} (this machine "
                         f"has {count}: ids 0 to {count - 1})")
    return int(device_id)


class GpuDevice(Device):
    """A CUDA GPU: CuPy arrays (specifier ``'@cupy:N'``).

    Args:
        device: A ``cupy.cuda.Device`` or a device id (int >= 0).

    Attributes:
        device: The ``cupy.cuda.Device``.

    Raises:
        RuntimeError: If CuPy or a CUDA device is missing.
    """

    def __init__(self, device):
        backend._require_cupy("GpuDevice")
        cupy = backend._cupy
        if not isinstance(device, cupy.cuda.Device):
            device = cupy.cuda.Device(_check_gpu_id(device, "GpuDevice"))
        self.device = device

    @staticmethod
    def from_device_id(device_id):
        """The GpuDevice of CUDA device ``device_id`` (an int >= 0)."""
        backend._require_cupy("GpuDevice.from_device_id")
        return GpuDevice(_check_gpu_id(device_id, "GpuDevice.from_device_id"))

    @staticmethod
    def from_array(array):
        """The GpuDevice holding ``array`` if it is a CuPy array, else None."""
        cupy = backend._cupy
        if cupy is not None and isinstance(array, cupy.ndarray) and array.device is not None:
            return GpuDevice(array.device)
        return None

    @property
    def xp(self):
        return backend._cupy

    @property
    def supported_array_types(self):
        return (backend._cupy.ndarray,)

    @property
    def name(self):
        return f"@cupy:{self.device.id}"

    def __eq__(self, other):
        return isinstance(other, GpuDevice) and other.device.id == self.device.id

    __hash__ = Device.__hash__

    def __repr__(self):
        return f"<{type(self).__name__} (cupy):{self.device.id}>"

    def create_context(self):
        # A fresh cupy.cuda.Device: one instance must not be entered from two threads.
        return backend._cupy.cuda.Device(self.device.id)

    def send_array(self, array):
        return backend._array_to_gpu(array, self.device.id)

    def use(self):
        self.device.use()

    def is_array_supported(self, array):
        return (isinstance(array, backend._cupy.ndarray)
                and array.device.id == self.device.id)


class _UnsupportedDevice(Device):
    """A Chainer device kind that rechain does not have.

    The class exists so that ``isinstance(device, backend.ChainerxDevice)``
    works (and is False); making one raises.
    """

    _what = None

    def __init__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: rechain has no {self._what} backend; use "
                           f"rechain.get_device('@numpy') or rechain.get_device('@cupy:N')")


class ChainerxDevice(_UnsupportedDevice):
    """ChainerX devices do not exist in rechain (isinstance checks only)."""

    _what = "ChainerX"


class Intel64Device(_UnsupportedDevice):
    """iDeep (``'@intel64'``) devices do not exist in rechain (isinstance checks only)."""

    _what = "iDeep (intel64)"


# -- specifiers -----------------------------------------------------------------------------

_ACCEPTED = ("accepted: '@numpy'; '@cupy:N' (N >= 0); an int or an int string ('-1' or any "
             "negative for the CPU, N >= 0 for GPU N); the numpy or cupy module; a "
             "cupy.cuda.Device; a rechain.backend.Device")


def _gpu_device(n, spec):
    backend._require_cupy(f"get_device({spec!r})")
    return GpuDevice.from_device_id(n)


def _device_from_str(spec):
    if re.fullmatch(r"[+-]?\d+", spec):
        n = int(spec)
        return CpuDevice() if n < 0 else _gpu_device(n, spec)
    if spec.startswith("@"):
        module, colon, rest = spec[1:].partition(":")
        if module == "numpy" and not colon:
            return CpuDevice()
        if module == "cupy" and re.fullmatch(r"\d+", rest):
            return _gpu_device(int(rest), spec)
        if module == "intel64":
            raise ValueError(f"get_device: {spec!r} (iDeep) is not supported by rechain; use "
                             f"'@numpy' for the CPU")
        raise ValueError(f"get_device: unknown device specifier {spec!r}; {_ACCEPTED}")
    backend_name, _, index = spec.partition(":")
    hint = (f"'@cupy:{index or 0}'" if backend_name in ("cuda", "gpu")
            else "'@numpy'" if backend_name in ("native", "cpu") else "'@numpy' or '@cupy:N'")
    raise ValueError(f"get_device: {spec!r} is not a rechain device specifier (without '@' "
                     f"Chainer reads it as a ChainerX device, and rechain has no ChainerX); "
                     f"use {hint}; {_ACCEPTED}")


def get_device(device_spec):
    """Return the :class:`Device` that ``device_spec`` names.

    Args:
        device_spec: ``'@numpy'`` or a negative int (or ``'-1'``) for the CPU;
            ``'@cupy:N'``, an int ``N >= 0`` (or ``'N'``) or a
            ``cupy.cuda.Device`` for GPU N; the ``numpy`` module (the CPU) or
            the ``cupy`` module (the current GPU); a :class:`Device`, returned
            as is.

    Returns:
        Device: A :class:`CpuDevice` or a :class:`GpuDevice`.

    Raises:
        ValueError: For a string that is not one of the forms above (ChainerX
            specifiers such as ``'native'`` or ``'cuda:0'``, ``'@intel64'``).
        TypeError: For an object of another type.
        RuntimeError: For a GPU when CuPy or a CUDA device is missing.

    Example:
        >>> rechain.get_device('@numpy')
        <CpuDevice (numpy)>
    """
    if isinstance(device_spec, Device):
        return device_spec
    if isinstance(device_spec, bool):
        raise TypeError(f"get_device: {device_spec!r} is not a device specifier; {_ACCEPTED}")
    if isinstance(device_spec, (int, numpy.integer)):
        n = int(device_spec)
        return CpuDevice() if n < 0 else _gpu_device(n, device_spec)
    if isinstance(device_spec, str):
        return _device_from_str(device_spec)
    if device_spec is numpy:
        return CpuDevice()
    if backend._cupy is not None and device_spec is backend._cupy:
        backend._require_cupy("get_device")
        return GpuDevice(backend._cupy.cuda.Device())
    if backend._cupy is not None and isinstance(device_spec, backend._cupy.cuda.Device):
        return GpuDevice(device_spec)
    if type(device_spec).__module__.partition(".")[0] == "chainerx":
        raise ValueError(f"get_device: {device_spec!r} is a ChainerX device; rechain has no "
                         f"ChainerX: use '@numpy' or '@cupy:N'")
    raise TypeError(f"get_device: cannot make a device of an object of type "
                    f"{type(device_spec).__name__}; {_ACCEPTED}")


def using_device(device_spec):
    """Context manager making a device current in the calling thread.

    For a GPU, CuPy allocates inside the block on that GPU; for the CPU it
    does nothing.

    Args:
        device_spec: Any specifier :func:`get_device` accepts.

    Example:
        >>> with rechain.using_device('@numpy'):
        ...     x = numpy.zeros(2)
    """
    return get_device(device_spec).create_context()


def get_device_from_array(*arrays):
    """Return the device of the first GPU array among ``arrays``, else the CPU.

    Variables are looked through to their arrays (Chainer does not).

    Example:
        >>> rechain.backend.get_device_from_array(numpy.zeros(2))
        <CpuDevice (numpy)>
    """
    for x in arrays:
        device = GpuDevice.from_array(getattr(x, "array", x) if not backend.is_array(x) else x)
        if device is not None:
            return device
    return CpuDevice()

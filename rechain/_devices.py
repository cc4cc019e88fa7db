"""Device objects: where arrays live, as in Chainer's ``chainer.backend``.

A device knows its array module (``xp``), sends arrays to itself (``send``)
and can be made current (``use``, ``create_context``). Two devices are equal
when they name the same place, so they work as dict keys. CuPy is reached
through :mod:`rechain.backend` (the only module that imports it); these
classes are re-exported from there.
"""

import contextlib

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

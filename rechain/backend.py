"""Array backends: NumPy on the CPU, CuPy on NVIDIA GPUs.

This is the only module that imports CuPy. Operations ask
:func:`get_array_module` for ``xp`` and write ``xp.exp(x)``, so the same code
runs on either backend. Where an array lives is a *device*
(:class:`CpuDevice`, :class:`GpuDevice`, from rechain/_devices.py);
:func:`get_device` turns Chainer's device specifiers (``'@numpy'``,
``'@cupy:0'``, ``-1``, ``0`` ...) into one.
"""

import re

import numpy

try:  # CuPy is optional (the ``cuda`` extra).
    import cupy as _cupy
    try:
        _cuda_ok = _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device
        _cuda_ok = False
except ImportError:
    _cupy = None
    _cuda_ok = False

cupy = _cupy
#: True when CuPy is importable and a CUDA device is present.
gpu_available = _cuda_ok

if _cupy is not None:
    _gpu_array_types = (_cupy.ndarray,)
else:
    _gpu_array_types = ()

#: Array types rechain accepts as data.
array_types = (numpy.ndarray,) + _gpu_array_types


def is_array(x):
    """Whether ``x`` is a NumPy or CuPy array."""
    return isinstance(x, array_types)


def get_array_module(*args):
    """Return ``cupy`` if any argument lives on the GPU, else ``numpy``.

    Variables are looked through to their arrays.
    """
    if _cupy is not None:
        for x in args:
            data = getattr(x, "array", x) if not isinstance(x, array_types) else x
            if isinstance(data, _cupy.ndarray):
                return _cupy
    return numpy


def _require_cupy(what):
    if _cupy is None:
        raise RuntimeError(f"{what}: CuPy is not installed (pip install 'rechain[cuda]')")
    if not _cuda_ok:
        raise RuntimeError(f"{what}: CuPy is installed but no CUDA device is available")


# -- transfers ---------------------------------------------------------------------------

def _map_arrays(x, convert, dicts, memo):
    """Apply ``convert`` to every array of a (nested) list/tuple (and dict if
    ``dicts``), keeping the structure. An object met twice is converted once,
    so shared arrays stay shared."""
    if x is None:
        return None
    key = id(x)
    if key in memo:
        return memo[key][1]
    if isinstance(x, (list, tuple)):
        items = [_map_arrays(a, convert, dicts, memo) for a in x]
        out = type(x)(*items) if hasattr(x, "_fields") else type(x)(items)  # namedtuple
    elif dicts and isinstance(x, dict):
        out = x.copy()
        for k, v in x.items():
            out[k] = _map_arrays(v, convert, dicts, memo)
    else:
        out = convert(x)
    memo[key] = (x, out)  # keep x alive so its id is not reused meanwhile
    return out


def _array_to_cpu(x):
    if x is None or isinstance(x, numpy.ndarray):
        return x
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        with x.device:
            return x.get()
    if numpy.isscalar(x):
        return numpy.asarray(x)
    raise TypeError(f"to_cpu: cannot move an object of type {type(x).__name__} to the CPU")


def _gpu_id(device, what):
    """The CUDA device id that ``device`` names (None: the current device)."""
    _require_cupy(what)
    if device is None:
        return _cupy.cuda.Device().id
    if isinstance(device, (int, numpy.integer)) and not isinstance(device, bool):
        if device < 0:
            raise ValueError(f"{what}: invalid CUDA device {int(device)} (ids are >= 0)")
        return int(device)
    dev = getattr(device, "device", device)  # a GpuDevice holds a cupy.cuda.Device
    dev_id = getattr(dev, "id", None)
    if isinstance(dev_id, int):
        return _cupy.cuda.Device().id if dev_id < 0 else dev_id  # DummyDevice: current
    raise TypeError(f"{what}: a CUDA device must be an int >= 0, a cupy.cuda.Device or "
                    f"None, not {type(device).__name__}")


def _array_to_gpu(x, dev_id):
    if x is None:
        return None
    if isinstance(x, _cupy.ndarray):
        if x.device.id == dev_id:
            return x
        with _cupy.cuda.Device(dev_id):
            return _cupy.array(x, copy=True)  # to another GPU: a copy there
    if isinstance(x, numpy.ndarray) or numpy.isscalar(x):
        with _cupy.cuda.Device(dev_id):
            return _cupy.asarray(x)
    raise TypeError(f"to_gpu: cannot move an object of type {type(x).__name__} to a GPU")


def to_cpu(x):
    """Copy an array (or each array of a list/tuple) to host memory as NumPy."""
    return _map_arrays(x, _array_to_cpu, False, {})


def to_gpu(x, device=None):
    """Copy an array (or each array of a list/tuple) to a GPU as CuPy.

    ``device`` is a CUDA device id, a ``cupy.cuda.Device`` or None (the
    current device). An array already on that GPU is returned as is.
    """
    if x is None:
        return None
    dev_id = _gpu_id(device, "to_gpu")
    return _map_arrays(x, lambda a: _array_to_gpu(a, dev_id), False, {})


def get_device_of(x):
    """Return ``'cpu'`` or the CuPy device of an array."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return x.device
    return "cpu"


def nbytes(x):
    """Bytes held by an array (0 for None)."""
    return 0 if x is None else int(x.nbytes)


# -- devices -----------------------------------------------------------------------------

_ACCEPTED = ("accepted: '@numpy'; '@cupy:N' (N >= 0); an int or an int string ('-1' or any "
             "negative for the CPU, N >= 0 for GPU N); the numpy or cupy module; a "
             "cupy.cuda.Device; a rechain.backend.Device")


def _gpu_device(n, spec):
    _require_cupy(f"get_device({spec!r})")
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
    if _cupy is not None and device_spec is _cupy:
        _require_cupy("get_device")
        return GpuDevice(_cupy.cuda.Device())
    if _cupy is not None and isinstance(device_spec, _cupy.cuda.Device):
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
        device = GpuDevice.from_array(getattr(x, "array", x) if not is_array(x) else x)
        if device is not None:
            return device
    return CpuDevice()


from rechain._devices import (ChainerxDevice, CpuDevice, Device, GpuDevice,  # noqa: E402,F401
                              Intel64Device)

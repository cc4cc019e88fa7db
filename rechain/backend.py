"""Array backends: NumPy on the CPU, CuPy on NVIDIA GPUs.

This is the only module that imports CuPy. Operations ask
:func:`get_array_module` for ``xp`` and write ``xp.exp(x)``, so the same code
runs on either backend. Where an array lives is a *device*
(:class:`CpuDevice`, :class:`GpuDevice`); :func:`get_device` turns Chainer's
device specifiers (``'@numpy'``, ``'@cupy:0'``, ``-1``, ``0`` ...) into one.
Both are defined in rechain/_devices.py and re-exported here.
:mod:`cpu_heap` (rechain/_heap.py) keeps the memory a CPU step frees for the
next step (Note [cpu heap]).
"""


import numpy

from rechain import _heap as cpu_heap  # noqa: F401  (keep(), release(), state())

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


def copyto(dst, src):
    """Copy the elements of ``src`` into ``dst``, across devices if needed.

    Args:
        dst: A NumPy or CuPy array, written in place.
        src: A NumPy or CuPy array (or scalar) broadcastable to ``dst``.

    Example:
        >>> dst = numpy.zeros(2)
        >>> rechain.backend.copyto(dst, numpy.ones(2))
        >>> dst
        array([1., 1.])
    """
    if isinstance(dst, numpy.ndarray):
        numpy.copyto(dst, _array_to_cpu(src))
    elif _cupy is not None and isinstance(dst, _cupy.ndarray):
        if isinstance(src, _cupy.ndarray):
            with dst.device:
                _cupy.copyto(dst, src)
        elif isinstance(src, numpy.ndarray) or numpy.isscalar(src):
            src = numpy.asarray(src)
            if src.dtype == dst.dtype and src.shape == dst.shape and dst.flags.c_contiguous:
                dst.set(numpy.ascontiguousarray(src))  # one host-to-device copy
            else:
                with dst.device:
                    _cupy.copyto(dst, _array_to_gpu(src, dst.device.id))
        else:
            raise TypeError(f"copyto: cannot copy from an object of type {type(src).__name__}")
    else:
        raise TypeError(f"copyto: cannot copy into an object of type {type(dst).__name__}")


def get_device_of(x):
    """Return ``'cpu'`` or the CuPy device of an array."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return x.device
    return "cpu"


def nbytes(x):
    """Bytes held by an array (0 for None)."""
    return 0 if x is None else int(x.nbytes)


# -- devices (rechain/_devices.py) --------------------------------------------------------

from rechain._devices import (ChainerxDevice, CpuDevice, Device, GpuDevice,  # noqa: E402,F401
                              Intel64Device, get_device, get_device_from_array,
                              using_device)

"""Array backends: NumPy on the CPU, CuPy on NVIDIA GPUs.

This is the only module that imports CuPy. Operations ask
:func:`get_array_module` for ``xp`` and write ``xp.exp(x)``, so the same code
runs on either backend.
"""

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


def to_cpu(x):
    """Copy an array (or each array of a list/tuple) to host memory as NumPy."""
    if isinstance(x, (list, tuple)):
        return type(x)(to_cpu(a) for a in x)
    if x is None or isinstance(x, numpy.ndarray):
        return x
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return x.get()
    if numpy.isscalar(x):
        return numpy.asarray(x)
    raise TypeError(f"to_cpu: cannot move an object of type {type(x).__name__} to the CPU")


def to_gpu(x, device=None):
    """Copy an array (or each array of a list/tuple) to a GPU as CuPy."""
    if isinstance(x, (list, tuple)):
        return type(x)(to_gpu(a, device) for a in x)
    if x is None:
        return None
    _require_cupy("to_gpu")
    if device is None:
        return _cupy.asarray(x)
    with _cupy.cuda.Device(device):
        return _cupy.asarray(x)


def get_device_of(x):
    """Return ``'cpu'`` or the CuPy device of an array."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return x.device
    return "cpu"


def nbytes(x):
    """Bytes held by an array (0 for None)."""
    return 0 if x is None else int(x.nbytes)

"""Chainer's ``chainer.backends.cuda`` names, so Chainer code ports unchanged.

``from rechain.backends import cuda``, ``import rechain.cuda`` and
``rechain.cuda`` are this module. It re-exports CuPy as :mod:`rechain.backend`
imported it (``cuda.cupy`` is None without CuPy) and works without CuPy: the
CPU paths (``to_cpu``, ``get_array_module``, ``get_device_from_id(-1)``,
``memoize``, ``fuse``) run, and anything that needs a GPU raises a
``RuntimeError`` saying why. rechain does not use cuDNN, so ``cudnn_enabled``
is False and ``should_use_cudnn`` answers False.
"""

import contextlib
import functools
import warnings

import numpy

from rechain import backend
from rechain import configuration
from rechain._devices import GpuDevice  # noqa: F401

#: The ``cupy`` module, or None when CuPy is not installed.
cupy = backend.cupy
#: True when CuPy is installed and a CUDA device is present.
available = backend.gpu_available
#: Always False: rechain does not call cuDNN.
cudnn_enabled = False


def check_cuda_available():
    """Raise ``RuntimeError`` unless CuPy and a CUDA device are present."""
    if not available:
        reason = ("CuPy is not installed (pip install 'rechain[cuda]')" if cupy is None
                  else "CuPy is installed but no CUDA device is available")
        raise RuntimeError(f"CUDA is not available: {reason}")


class DummyDeviceType:
    """A stand-in for ``cupy.cuda.Device`` that means the CPU (id -1).

    Entering it, ``use()`` and ``synchronize()`` do nothing.
    """

    id = -1

    def __int__(self):
        return -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def use(self):
        pass

    def synchronize(self):
        pass

    def __eq__(self, other):
        return isinstance(other, DummyDeviceType)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(-1)

    def __repr__(self):
        return "<DummyDevice (cpu)>"


#: The single :class:`DummyDeviceType` instance.
DummyDevice = DummyDeviceType()


if cupy is not None:
    ndarray = cupy.ndarray
    Device = cupy.cuda.Device
    Event = cupy.cuda.Event
    Stream = cupy.cuda.Stream
    memory_pool = cupy.get_default_memory_pool()
    pinned_memory_pool = cupy.get_default_pinned_memory_pool()
else:
    class ndarray:
        """Placeholder for ``cupy.ndarray``: no array is an instance without CuPy."""

        def __new__(cls, *args, **kwargs):
            check_cuda_available()

    class Device(DummyDeviceType):
        """Placeholder for ``cupy.cuda.Device`` without CuPy.

        ``Device()`` and ``Device(-1)`` act as :data:`DummyDevice`; a GPU id
        raises ``RuntimeError``.
        """

        def __init__(self, device=None):
            if device is not None and int(device) >= 0:
                check_cuda_available()

    class Event:
        """Placeholder for ``cupy.cuda.Event``; making one raises without CuPy."""

        def __init__(self, *args, **kwargs):
            check_cuda_available()

    class Stream(Event):
        """Placeholder for ``cupy.cuda.Stream``; making one raises without CuPy."""


def get_device_from_id(device_id):
    """Return ``cupy.cuda.Device(device_id)``, or :data:`DummyDevice` for None or < 0."""
    if device_id is None or int(device_id) < 0:
        return DummyDevice
    check_cuda_available()
    return Device(int(device_id))


def get_device_from_array(*arrays):
    """Return the ``cupy.cuda.Device`` of the first CuPy array, else :data:`DummyDevice`.

    Prefer :func:`rechain.backend.get_device_from_array`, which returns a
    device object.
    """
    if cupy is not None:
        for a in arrays:
            if isinstance(a, cupy.ndarray):
                return a.device
    return DummyDevice


def get_device(*args):
    """Deprecated Chainer API: a ``cupy.cuda.Device`` from an id, an array or a device.

    The first int, CuPy array or ``cupy.cuda.Device`` among ``args`` decides;
    otherwise :data:`DummyDevice`. Use :func:`get_device_from_id` or
    :func:`get_device_from_array`.
    """
    warnings.warn("cuda.get_device is deprecated; use cuda.get_device_from_id or "
                  "cuda.get_device_from_array", DeprecationWarning, stacklevel=2)
    for a in args:
        if isinstance(a, (int, numpy.integer)) and not isinstance(a, bool):
            check_cuda_available()
            return Device(int(a))
        if cupy is not None and isinstance(a, cupy.ndarray):
            return a.device
        if cupy is not None and isinstance(a, cupy.cuda.Device):
            return a
    return DummyDevice


def _in_stream(stream):
    return contextlib.nullcontext() if stream is None else stream


def to_gpu(array, device=None, stream=None):
    """Copy an array (or the arrays of a list/tuple) to a GPU.

    Args:
        array: NumPy/CuPy array, NumPy scalar, None, or a list/tuple of them.
        device: CUDA device id, ``cupy.cuda.Device``, or None /
            :data:`DummyDevice` for the current device.
        stream: Deprecated (as in Chainer); the copy is issued on this CuPy
            stream when given.

    Returns:
        The array(s) on the GPU; arrays already there are returned as is.
    """
    if stream is not None:
        warnings.warn("the stream argument of cuda.to_gpu is deprecated", DeprecationWarning,
                      stacklevel=2)
    check_cuda_available()
    with _in_stream(stream):
        return backend.to_gpu(array, device)


def to_cpu(array, stream=None):
    """Copy an array (or the arrays of a list/tuple) to host memory as NumPy.

    ``stream``: the CuPy stream to copy on (None: the current one).
    """
    with _in_stream(stream):
        return backend.to_cpu(array)


#: Same as :func:`rechain.backend.get_array_module` (Chainer's deprecated alias).
get_array_module = backend.get_array_module


def copy(array, out=None, out_device=None, stream=None):
    """Copy a CuPy array, possibly to another GPU.

    Args:
        array: The CuPy array.
        out: Destination array; when given, ``out_device`` is ignored.
        out_device: Device of the new array (id, ``cupy.cuda.Device``); default
            the device of ``array``.
        stream: CuPy stream to copy on.

    Returns:
        The copy (``out`` if given).
    """
    check_cuda_available()
    if not isinstance(array, cupy.ndarray):
        raise TypeError(f"cuda.copy: array must be a cupy.ndarray, not {type(array).__name__}")
    if out is None:
        dev_id = backend._gpu_id(array.device if out_device is None else out_device,
                                 "cuda.copy")
        with cupy.cuda.Device(dev_id):
            out = cupy.empty_like(array)
    with array.device, _in_stream(stream):
        cupy.copyto(out, array)
    return out


def memoize(for_each_device=False):
    """``cupy.memoize`` when CuPy is installed; without it, a decorator that
    just calls the function (it memoizes nothing)."""
    if cupy is not None:
        return cupy.memoize(for_each_device)

    def decorator(f):
        @functools.wraps(f)
        def call(*args, **kwargs):
            return f(*args, **kwargs)
        return call
    return decorator


def clear_memo():
    """Clear what :func:`memoize` cached (nothing without CuPy)."""
    if cupy is not None:
        cupy.clear_memo()


@memoize()
def elementwise(in_params, out_params, operation, name, **kwargs):
    """A cached ``cupy.ElementwiseKernel``; raises ``RuntimeError`` without CUDA."""
    check_cuda_available()
    return cupy.ElementwiseKernel(in_params, out_params, operation, name, **kwargs)


@memoize()
def reduce(in_params, out_params, map_expr, reduce_expr, post_map_expr, identity, name,
           **kwargs):
    """A cached ``cupy.ReductionKernel``; raises ``RuntimeError`` without CUDA."""
    check_cuda_available()
    return cupy.ReductionKernel(in_params, out_params, map_expr, reduce_expr, post_map_expr,
                                identity, name, **kwargs)


@memoize()
def raw(code, name, *args, **kwargs):
    """A cached ``cupy.RawKernel``; raises ``RuntimeError`` without CUDA."""
    check_cuda_available()
    return cupy.RawKernel(code, name, *args, **kwargs)


def fuse(*args, **kwargs):
    """``cupy.fuse`` when CuPy is installed; otherwise the function itself.

    Usable bare (``@fuse``) or with arguments (``@fuse(kernel_name='f')``).
    """
    if cupy is not None:
        return cupy.fuse(*args, **kwargs)
    if len(args) == 1 and not kwargs and callable(args[0]):
        return args[0]
    return lambda f: f


def get_max_workspace_size():
    """cuDNN workspace size: 0, since rechain does not use cuDNN."""
    return 0


def set_max_workspace_size(size):
    """Accepted for compatibility; rechain does not use cuDNN, so nothing changes."""


_CUDNN_LEVELS = ("==always", ">=auto")
_CUDNN_MODES = ("always", "auto", "never")


def should_use_cudnn(level, lowest_version=0):
    """Whether to call cuDNN: always False in rechain (arguments are still checked).

    Args:
        level (str): ``'==always'`` or ``'>=auto'``.
        lowest_version (int): Minimum cuDNN version.
    """
    if level not in _CUDNN_LEVELS:
        raise ValueError(f"should_use_cudnn: invalid level {level!r} (must be '==always' "
                         f"or '>=auto')")
    mode = configuration.config.use_cudnn
    if mode not in _CUDNN_MODES:
        raise ValueError(f"should_use_cudnn: invalid config.use_cudnn {mode!r} (must be "
                         f"'always', 'auto' or 'never')")
    return False


def should_use_cudnn_tensor_core(dtype):
    """Whether to use Tensor Cores via cuDNN: False in rechain (config is still checked)."""
    mode = configuration.config.use_cudnn_tensor_core
    if mode not in _CUDNN_MODES:
        raise ValueError(f"should_use_cudnn_tensor_core: invalid config.use_cudnn_tensor_core "
                         f"{mode!r} (must be 'always', 'auto' or 'never')")
    return False

"""A fake ``cupy`` module, so the GPU code paths of rechain.backend, the device
classes and rechain.backends.cuda run (and are checked) on a machine without a
GPU. It models what those paths rely on: two devices, a current device (a
stack entered by ``with Device(i)``), arrays that remember their device, copies
between devices, and the memoize/kernel/fuse entry points.
"""

import importlib
import threading
import types

import numpy
import pytest

from rechain import backend
from rechain.backends import cuda as cuda_module

N_DEVICES = 2


def make_fake_cupy():
    state = threading.local()

    def current():
        stack = getattr(state, "stack", None)
        return stack[-1] if stack else getattr(state, "default", 0)

    class Device:
        def __init__(self, device=None):
            self.id = current() if device is None else int(device)

        def __enter__(self):
            if not hasattr(state, "stack"):
                state.stack = []
            state.stack.append(self.id)
            return self

        def __exit__(self, *exc):
            state.stack.pop()
            return False

        def use(self):
            state.default = self.id

        def synchronize(self):
            pass

        def __eq__(self, other):
            return isinstance(other, Device) and other.id == self.id

        def __hash__(self):
            return hash(self.id)

        def __repr__(self):
            return f"<CUDA Device {self.id}>"

    class ndarray:
        def __init__(self, data, device_id):
            self._a = numpy.array(data)
            self.device = Device(device_id)
            self.gets = 0

        shape = property(lambda self: self._a.shape)
        dtype = property(lambda self: self._a.dtype)
        nbytes = property(lambda self: self._a.nbytes)

        def get(self, stream=None):
            self.gets += 1
            return self._a.copy()

        def set(self, arr, stream=None):
            assert arr.shape == self._a.shape and arr.dtype == self._a.dtype
            self.sets = getattr(self, "sets", 0) + 1
            self._a[...] = arr

        @property
        def flags(self):
            return self._a.flags

    class Stream:
        def __init__(self):
            self.entered = 0

        def __enter__(self):
            self.entered += 1
            return self

        def __exit__(self, *exc):
            return False

    class Event:
        pass

    class _Kernel:
        def __init__(self, *args, **kwargs):
            self.args, self.kwargs = args, kwargs

    cupy = types.ModuleType("cupy")
    cupy.__version__ = "13.0.0"
    cupy.ndarray = ndarray
    cupy.current_device_id = current
    cupy.cuda = types.SimpleNamespace(
        Device=Device, Stream=Stream, Event=Event,
        runtime=types.SimpleNamespace(
            getDeviceCount=lambda: N_DEVICES,
            runtimeGetVersion=lambda: 12040,
            driverGetVersion=lambda: 12060,
            getDeviceProperties=lambda i: {"name": f"Fake GPU {i}".encode(), "major": 9,
                                           "minor": 0, "totalGlobalMem": 2 ** 34}))

    def asarray(a):
        return a if isinstance(a, ndarray) else ndarray(numpy.asarray(a), current())

    def array(a, copy=True):
        return ndarray(a._a.copy() if isinstance(a, ndarray) else numpy.array(a), current())

    def empty_like(a):
        return ndarray(numpy.empty_like(a._a), current())

    def copyto(dst, src):
        assert isinstance(src, ndarray), "the fake copies only between fake GPU arrays"
        dst._a[...] = src._a

    memo_calls = []

    def memoize(for_each_device=False):
        def deco(f):
            cache = {}

            def call(*args, **kwargs):
                key = (args, tuple(sorted(kwargs.items())),
                       current() if for_each_device else None)
                if key not in cache:
                    memo_calls.append(f.__name__)
                    cache[key] = f(*args, **kwargs)
                return cache[key]
            return call
        return deco

    def fuse(*args, **kwargs):
        def deco(f):
            f.fused = kwargs or True
            return f
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return deco(args[0])
        return deco

    cupy.asarray = asarray
    cupy.array = array
    cupy.empty_like = empty_like
    cupy.copyto = copyto
    cupy.memoize = memoize
    cupy.memo_calls = memo_calls
    cupy.cleared = []
    cupy.clear_memo = lambda: cupy.cleared.append(True)
    cupy.fuse = fuse
    cupy.ElementwiseKernel = type("ElementwiseKernel", (_Kernel,), {})
    cupy.ReductionKernel = type("ReductionKernel", (_Kernel,), {})
    cupy.RawKernel = type("RawKernel", (_Kernel,), {})
    cupy.get_default_memory_pool = lambda: "memory pool"
    cupy.get_default_pinned_memory_pool = lambda: "pinned memory pool"
    cupy.get_array_module = lambda *a: (
        cupy if any(isinstance(x, ndarray) for x in a) else numpy)
    return cupy


@pytest.fixture
def fake_cupy(monkeypatch):
    """rechain.backend (and rechain.backends.cuda, reloaded) see the fake CuPy."""
    if backend.cupy is not None:
        pytest.skip("the real CuPy is installed; the fake is for machines without it")
    fake = make_fake_cupy()
    monkeypatch.setattr(backend, "_cupy", fake)
    monkeypatch.setattr(backend, "cupy", fake)
    monkeypatch.setattr(backend, "_cuda_ok", True)
    monkeypatch.setattr(backend, "gpu_available", True)
    importlib.reload(cuda_module)
    yield fake
    monkeypatch.undo()
    importlib.reload(cuda_module)

"""rechain.backends.cuda (= rechain.cuda): Chainer's cuda names, without CuPy,
with the fake CuPy of conftest.py, and (marked gpu) on a real GPU."""

import warnings

import numpy
import pytest

import rechain
from rechain import backend
from rechain.backends import cuda

no_cupy = pytest.mark.skipif(backend.cupy is not None, reason="checks the behaviour without CuPy")


def test_aliases():
    import rechain.cuda as alias
    from rechain import cuda as alias2
    assert alias is cuda and alias2 is cuda and rechain.cuda is cuda
    assert rechain.backends.cuda is cuda
    assert rechain.cuda.to_gpu is cuda.to_gpu
    assert cuda.get_array_module is backend.get_array_module
    assert cuda.GpuDevice is backend.GpuDevice
    assert cuda.cupy is backend.cupy
    assert cuda.cudnn_enabled is False


@no_cupy
def test_without_cupy_names():
    assert cuda.cupy is None and cuda.available is False
    assert not isinstance(numpy.zeros(1), cuda.ndarray)
    with pytest.raises(RuntimeError, match="CUDA is not available: CuPy is not installed"):
        cuda.ndarray()
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        cuda.Stream()
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        cuda.Event()


@no_cupy
def test_check_cuda_available_message():
    with pytest.raises(RuntimeError, match=r"CUDA is not available: CuPy is not installed "
                                           r"\(pip install 'rechain\[cuda\]'\)"):
        cuda.check_cuda_available()


def test_dummy_device():
    d = cuda.DummyDevice
    assert isinstance(d, cuda.DummyDeviceType)
    assert d.id == -1 and int(d) == -1
    with d as entered:
        assert entered is d
    d.use()
    d.synchronize()
    assert d == cuda.DummyDeviceType() and not d != cuda.DummyDeviceType()
    assert d != 0
    assert hash(d) == hash(cuda.DummyDeviceType())


@no_cupy
def test_device_placeholder_without_cupy():
    with cuda.Device() as d:  # the CPU: does nothing, like DummyDevice
        assert d.id == -1
    cuda.Device(-1).use()
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        cuda.Device(0)


@no_cupy
def test_get_device_from_id_and_array_on_cpu():
    assert cuda.get_device_from_id(None) is cuda.DummyDevice
    assert cuda.get_device_from_id(-1) is cuda.DummyDevice
    assert cuda.get_device_from_array(numpy.zeros(1)) is cuda.DummyDevice
    assert cuda.get_device_from_array() is cuda.DummyDevice
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        cuda.get_device_from_id(0)


@no_cupy
def test_deprecated_get_device():
    with pytest.warns(DeprecationWarning, match="cuda.get_device is deprecated"):
        assert cuda.get_device(numpy.zeros(1), None) is cuda.DummyDevice
    with pytest.warns(DeprecationWarning), pytest.raises(RuntimeError, match="CuPy"):
        cuda.get_device(0)


def test_to_cpu_on_cpu_arrays():
    a = numpy.arange(3)
    assert cuda.to_cpu(a) is a
    out = cuda.to_cpu([a, None])
    assert out[0] is a and out[1] is None
    assert cuda.to_cpu(numpy.float32(2)).dtype == numpy.float32


@no_cupy
def test_to_gpu_and_copy_without_cupy():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        cuda.to_gpu(numpy.zeros(2))
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        cuda.to_gpu(None)  # as in Chainer: checked first
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        cuda.copy(numpy.zeros(2))


@no_cupy
def test_kernels_raise_without_cupy():
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        cuda.elementwise("T x", "T y", "y = x", "copy_kernel")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        cuda.reduce("T x", "T y", "x", "a + b", "y = a", "0", "sum_kernel")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        cuda.raw("extern \"C\" __global__ void f() {}", "f")


@no_cupy
def test_memoize_and_fuse_without_cupy():
    calls = []

    @cuda.memoize(for_each_device=True)
    def square(x):
        """Squares."""
        calls.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9
    assert calls == [3, 3]  # without CuPy nothing is cached
    assert square.__name__ == "square" and square.__doc__ == "Squares."
    cuda.clear_memo()

    def f(x, y):
        return x * y + 1

    assert cuda.fuse(f) is f
    assert cuda.fuse(kernel_name="f")(f) is f
    assert cuda.fuse()(f) is f
    numpy.testing.assert_array_equal(cuda.fuse(f)(numpy.ones(2), 2.0), [3.0, 3.0])


def test_cudnn_queries():
    assert cuda.should_use_cudnn("==always") is False
    assert cuda.should_use_cudnn(">=auto", 5000) is False
    with rechain.using_config("use_cudnn", "always"):
        assert cuda.should_use_cudnn("==always") is False
    with pytest.raises(ValueError, match="should_use_cudnn: invalid level 'sometimes'"):
        cuda.should_use_cudnn("sometimes")
    with rechain.using_config("use_cudnn", True):
        with pytest.raises(ValueError, match="invalid config.use_cudnn True"):
            cuda.should_use_cudnn(">=auto")
    assert cuda.should_use_cudnn_tensor_core(numpy.float16) is False
    with rechain.using_config("use_cudnn_tensor_core", "sometimes"):
        with pytest.raises(ValueError, match="invalid config.use_cudnn_tensor_core"):
            cuda.should_use_cudnn_tensor_core(numpy.float16)
    assert cuda.get_max_workspace_size() == 0
    cuda.set_max_workspace_size(2 ** 20)
    assert cuda.get_max_workspace_size() == 0


# -- with the fake CuPy ------------------------------------------------------------------

def test_fake_names(fake_cupy):
    assert cuda.cupy is fake_cupy and cuda.available is True
    assert cuda.ndarray is fake_cupy.ndarray and cuda.Device is fake_cupy.cuda.Device
    assert cuda.Stream is fake_cupy.cuda.Stream and cuda.Event is fake_cupy.cuda.Event
    assert cuda.memory_pool == "memory pool"
    assert cuda.pinned_memory_pool == "pinned memory pool"
    cuda.check_cuda_available()  # no error


def test_fake_to_gpu_to_cpu(fake_cupy):
    a = numpy.arange(4.0)
    g = cuda.to_gpu(a)
    assert isinstance(g, fake_cupy.ndarray) and g.device.id == 0
    assert cuda.to_gpu(g) is g
    g1 = cuda.to_gpu(a, device=1)
    assert g1.device.id == 1
    assert cuda.to_gpu(g, cuda.Device(1)).device.id == 1
    assert cuda.to_gpu(a, cuda.DummyDevice).device.id == 0
    gs = cuda.to_gpu((a, None))
    assert isinstance(gs, tuple) and gs[1] is None
    assert cuda.to_cpu(g1).tolist() == [0.0, 1.0, 2.0, 3.0]
    stream = fake_cupy.cuda.Stream()
    with pytest.warns(DeprecationWarning, match="stream argument of cuda.to_gpu"):
        cuda.to_gpu(a, stream=stream)
    cuda.to_cpu(g, stream=stream)
    assert stream.entered == 2


def test_fake_get_device_from(fake_cupy):
    assert cuda.get_device_from_id(1) == fake_cupy.cuda.Device(1)
    assert cuda.get_device_from_id(numpy.int32(1)).id == 1
    g = cuda.to_gpu(numpy.zeros(1), 1)
    assert cuda.get_device_from_array(numpy.zeros(1), g).id == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        assert cuda.get_device(1).id == 1
        assert cuda.get_device(g).id == 1
        assert cuda.get_device(cuda.Device(1)).id == 1


def test_fake_copy(fake_cupy):
    g = cuda.to_gpu(numpy.arange(3.0), 1)
    c = cuda.copy(g)
    assert c is not g and c.device.id == 1 and c._a.tolist() == [0.0, 1.0, 2.0]
    c0 = cuda.copy(g, out_device=0)
    assert c0.device.id == 0 and c0._a.tolist() == [0.0, 1.0, 2.0]
    out = cuda.to_gpu(numpy.zeros(3), 0)
    assert cuda.copy(g, out=out) is out and out._a.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="cuda.copy: array must be a cupy.ndarray, not ndarray"):
        cuda.copy(numpy.zeros(2))


def test_fake_kernels_memoized(fake_cupy):
    k = cuda.elementwise("T x", "T y", "y = x * 2", "double_kernel")
    assert isinstance(k, fake_cupy.ElementwiseKernel)
    assert k.args == ("T x", "T y", "y = x * 2", "double_kernel")
    assert cuda.elementwise("T x", "T y", "y = x * 2", "double_kernel") is k
    r = cuda.reduce("T x", "T y", "x", "a + b", "y = a", "0", "sum_kernel", reduce_type="T")
    assert isinstance(r, fake_cupy.ReductionKernel) and r.kwargs == {"reduce_type": "T"}
    assert isinstance(cuda.raw("code", "f"), fake_cupy.RawKernel)
    assert fake_cupy.memo_calls == ["elementwise", "reduce", "raw"]
    cuda.clear_memo()
    assert fake_cupy.cleared == [True]


def test_fake_fuse_is_cupy_fuse(fake_cupy):
    def f(x):
        return x

    assert cuda.fuse(f).fused is True
    assert cuda.fuse(kernel_name="k")(f).fused == {"kernel_name": "k"}


# -- on a real GPU ---------------------------------------------------------------------

@pytest.mark.gpu
def test_real_gpu_round_trip():
    cp = cuda.cupy
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    g = cuda.to_gpu(a)
    assert isinstance(g, cp.ndarray) and cuda.get_device_from_array(g).id == g.device.id
    numpy.testing.assert_array_equal(cuda.to_cpu(g), a)
    c = cuda.copy(g)
    assert c is not g
    numpy.testing.assert_array_equal(cuda.to_cpu(c), a)
    k = cuda.elementwise("T x", "T y", "y = x * 2", "rechain_test_double")
    numpy.testing.assert_array_equal(cuda.to_cpu(k(g)), a * 2)

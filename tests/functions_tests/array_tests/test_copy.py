import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


@pytest.mark.parametrize("dst", [-1, -2, "@numpy", numpy, rechain.backend.CpuDevice()])
def test_cpu_copy_is_a_new_array(dst):
    x = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    y = F.copy(x, dst)
    assert isinstance(y.array, numpy.ndarray)
    assert y.array is not x and not numpy.shares_memory(y.array, x)
    numpy.testing.assert_array_equal(y.array, x)
    y.array[0, 0] = 100
    assert x[0, 0] == 0


def test_cuda_dummy_device_is_the_host():
    x = numpy.zeros((2, 3), numpy.float32)
    y = F.copy(x, rechain.backends.cuda.DummyDevice)
    assert isinstance(y.array, numpy.ndarray) and y.array is not x
    assert isinstance(y.device, rechain.backend.CpuDevice)


def test_gradient_is_copied_back():
    x = rechain.Variable(numpy.array([1.0, 2.0]))
    y = F.copy(x, -1)
    y.grad = numpy.array([3.0, 4.0])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_backward_and_double_backward():
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=(3, 2))
    f = lambda x: F.copy(x * x, -1)  # noqa: E731
    gradient_check.check_backward(f, x, rng.normal(size=(3, 2)))
    gradient_check.check_double_backward(f, x, rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))


def test_forget_gives_plain_outputs_and_gradients():
    x_data = numpy.random.default_rng(1).normal(size=(4,))
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        f = lambda x: F.copy(F.tanh(x), "@numpy")  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_device_object():
    dev = rechain.backend.get_device("@numpy")
    x = rechain.Variable(numpy.ones(2, numpy.float32))
    y = F.copy(x, dev)
    assert y.array is not x.array
    F.sum(y * 3).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 3.0])


@pytest.mark.parametrize("dst,exc,match", [
    ("@tpu", ValueError, r"copy: dst='@tpu' is not a device: get_device: "),
    ("native", ValueError, r"copy: dst='native' is not a device: .*ChainerX"),
    (1.5, TypeError, r"copy: dst=1.5 is not a device: get_device: .*float"),
    (True, TypeError, r"copy: dst=True is not a device"),
])
def test_bad_device(dst, exc, match):
    with pytest.raises(exc, match=match):
        F.copy(numpy.ones(2, numpy.float32), dst)


def test_bad_input():
    with pytest.raises(TypeError, match="copy: x must be a Variable or an ndarray, not list"):
        F.copy([1.0], -1)


@pytest.mark.gpu
@pytest.mark.parametrize("dst", [0, "@cupy:0"])
def test_to_gpu_and_back(dst):
    cp = rechain.backend.cupy
    x = rechain.Variable(numpy.array([1.0, 2.0], numpy.float32))
    y = F.copy(x, dst)
    assert isinstance(y.array, cp.ndarray)
    z = F.copy(y * 2, -1)
    assert isinstance(z.array, numpy.ndarray)
    F.sum(z).backward()
    assert isinstance(x.grad, numpy.ndarray)
    numpy.testing.assert_array_equal(x.grad, [2.0, 2.0])


@pytest.mark.gpu
def test_gpu_to_same_gpu_copies():
    cp = rechain.backend.cupy
    x = cp.arange(3, dtype=cp.float32)
    y = F.copy(x, 0)
    assert y.array.data.ptr != x.data.ptr

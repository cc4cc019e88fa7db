"""backend: array module dispatch and host/device transfers."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable
from rechain import backend


def test_get_array_module_numpy():
    a = numpy.ones(3)
    assert backend.get_array_module(a) is numpy
    assert backend.get_array_module(Variable(a)) is numpy
    assert backend.get_array_module() is numpy
    assert backend.get_array_module(1.0, None, a) is numpy
    assert rechain.get_array_module is backend.get_array_module


def test_variable_xp_is_numpy():
    assert Variable(numpy.ones(2)).xp is numpy


def test_array_types_and_is_array():
    assert numpy.ndarray in backend.array_types
    assert backend.is_array(numpy.zeros(2))
    assert backend.is_array(numpy.zeros(()))
    assert not backend.is_array(1.0)
    assert not backend.is_array([1.0])
    assert not backend.is_array(Variable(numpy.zeros(2)))


def test_to_cpu_passes_numpy_arrays_through():
    a = numpy.arange(3.0)
    assert backend.to_cpu(a) is a
    assert backend.to_cpu(None) is None


def test_to_cpu_on_containers():
    a, b = numpy.ones(2), numpy.zeros(3)
    out = backend.to_cpu([a, b])
    assert isinstance(out, list) and out[0] is a and out[1] is b
    out = backend.to_cpu((a, None))
    assert isinstance(out, tuple) and out[0] is a and out[1] is None


def test_to_cpu_scalar_becomes_array():
    out = backend.to_cpu(2.5)
    assert isinstance(out, numpy.ndarray) and out.shape == () and out == 2.5
    out = backend.to_cpu(numpy.float32(1.5))
    assert isinstance(out, numpy.ndarray) and out.dtype == numpy.float32


def test_to_cpu_rejects_other_objects_naming_type():
    with pytest.raises(TypeError, match=r"to_cpu: cannot move an object of type dict"):
        backend.to_cpu({"a": 1})


def test_get_device_of_and_nbytes():
    a = numpy.zeros((4, 5), numpy.float32)
    assert backend.get_device_of(a) == "cpu"
    assert backend.nbytes(a) == 80
    assert backend.nbytes(None) == 0


def test_to_gpu_none_is_none():
    assert backend.to_gpu(None) is None


@pytest.mark.skipif(backend.gpu_available, reason="checks the no-GPU error")
def test_to_gpu_without_gpu_raises_runtime_error():
    with pytest.raises(RuntimeError, match=r"to_gpu: CuPy"):
        backend.to_gpu(numpy.zeros(2))


def test_gpu_available_is_a_bool():
    assert isinstance(backend.gpu_available, bool)
    if backend.cupy is None:
        assert backend.gpu_available is False


def test_variable_to_cpu_keeps_numpy():
    v = Variable(numpy.ones(3))
    v.grad = numpy.ones(3)
    a, g = v.array, v.grad
    v.to_cpu()
    assert v.array is a and v.grad is g


# -- GPU (skipped without CuPy and a device) --------------------------------------------------

@pytest.mark.gpu
def test_gpu_round_trip():
    cp = backend.cupy
    a = numpy.arange(6.0, dtype=numpy.float32).reshape(2, 3)
    g = backend.to_gpu(a)
    assert isinstance(g, cp.ndarray)
    assert backend.get_array_module(g) is cp
    assert backend.get_array_module(Variable(g)) is cp
    assert backend.get_device_of(g) == g.device
    back = backend.to_cpu(g)
    assert isinstance(back, numpy.ndarray)
    numpy.testing.assert_array_equal(back, a)


@pytest.mark.gpu
def test_gpu_forward_backward_matches_cpu():
    a = numpy.random.default_rng(0).normal(size=(3, 4)).astype(numpy.float32)
    xc = Variable(a)
    xg = Variable(backend.to_gpu(a))
    for x in (xc, xg):
        y = F.sum(x * x * 3.0 + 2.0 ** x - x / 2.0)
        y.backward()
    assert backend.get_array_module(xg.grad) is backend.cupy
    numpy.testing.assert_allclose(backend.to_cpu(xg.grad), xc.grad, rtol=1e-5)


@pytest.mark.gpu
def test_gpu_variable_to_cpu_and_back():
    v = Variable(numpy.ones(3, numpy.float32))
    v.grad = numpy.full(3, 2.0, numpy.float32)
    v.to_gpu()
    assert isinstance(v.array, backend.cupy.ndarray)
    assert isinstance(v.grad, backend.cupy.ndarray)
    v.to_cpu()
    assert isinstance(v.array, numpy.ndarray)
    numpy.testing.assert_array_equal(v.grad, 2.0)


def test_copyto_on_the_cpu():
    dst = numpy.zeros((2, 2), numpy.float32)
    backend.copyto(dst, numpy.ones((2, 2)))
    assert dst.dtype == numpy.float32 and dst.tolist() == [[1, 1], [1, 1]]
    backend.copyto(dst, numpy.array([2.0, 3.0]))  # broadcasts
    assert dst.tolist() == [[2, 3], [2, 3]]
    backend.copyto(dst, 4.0)
    assert (dst == 4).all()
    with pytest.raises(TypeError, match="copyto: cannot copy into an object of type list"):
        backend.copyto([0.0], numpy.ones(1))
    with pytest.raises(TypeError, match="to_cpu: cannot move an object of type dict"):
        backend.copyto(dst, {})


@pytest.mark.gpu
def test_copyto_gpu():
    cp = backend.cupy
    g = cp.zeros(3, cp.float32)
    backend.copyto(g, numpy.arange(3, dtype=numpy.float32))
    backend.copyto(g, numpy.arange(3, dtype=numpy.float64) * 2)
    numpy.testing.assert_array_equal(cp.asnumpy(g), [0, 2, 4])
    host = numpy.zeros(3, numpy.float32)
    backend.copyto(host, g)
    numpy.testing.assert_array_equal(host, [0, 2, 4])

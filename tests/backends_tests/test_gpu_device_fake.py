"""GpuDevice, get_device and transfers on their CuPy paths, run against the fake
CuPy of conftest.py (two devices), so they are checked without a GPU."""

import io

import numpy
import pytest

import rechain
from rechain import backend


def test_get_device_gpu_specs(fake_cupy):
    for spec in (0, numpy.int64(0), "0", "@cupy:0"):
        d = rechain.get_device(spec)
        assert isinstance(d, backend.GpuDevice) and d.device.id == 0, spec
    for spec in (1, "1", "+1", "@cupy:1", fake_cupy.cuda.Device(1)):
        assert rechain.get_device(spec).device.id == 1, spec
    with fake_cupy.cuda.Device(1):
        assert rechain.get_device(fake_cupy) == rechain.get_device("@cupy:1")
    assert rechain.get_device(fake_cupy).device.id == 0


def test_gpu_device_attributes(fake_cupy):
    d = backend.GpuDevice.from_device_id(1)
    assert d.xp is fake_cupy
    assert d.name == "@cupy:1" and str(d) == "@cupy:1"
    assert repr(d) == "<GpuDevice (cupy):1>"
    assert d.supported_array_types == (fake_cupy.ndarray,)
    assert isinstance(d.device, fake_cupy.cuda.Device) and d.device.id == 1
    assert backend.GpuDevice(fake_cupy.cuda.Device(1)) == d
    assert backend.GpuDevice(1) == d


def test_gpu_device_equality_and_hash(fake_cupy):
    a, b, c = rechain.get_device("@cupy:0"), rechain.get_device(0), rechain.get_device(1)
    assert a == b and not a != b and hash(a) == hash(b)
    assert a != c and not a == c
    assert a != backend.CpuDevice() and backend.CpuDevice() != a
    assert len({a, b, c, backend.CpuDevice()}) == 3
    assert {a: "x"}[b] == "x"


@pytest.mark.parametrize("spec,message", [
    (2, r"there is no CUDA device 2 \(this machine has 2: ids 0 to 1\)"),
    ("@cupy:7", "there is no CUDA device 7"),
])
def test_gpu_id_out_of_range(fake_cupy, spec, message):
    with pytest.raises(ValueError, match=message):
        rechain.get_device(spec)


@pytest.mark.parametrize("bad", [-1, True, 1.0, "0"])
def test_from_device_id_rejects_non_ids(fake_cupy, bad):
    with pytest.raises(ValueError, match=r"GpuDevice.from_device_id: invalid CUDA device id"):
        backend.GpuDevice.from_device_id(bad)


def test_send_numpy_to_gpu_and_back(fake_cupy):
    d = rechain.get_device("@cupy:1")
    a = numpy.arange(3.0)
    g = d.send(a)
    assert isinstance(g, fake_cupy.ndarray) and g.device.id == 1
    assert d.is_array_supported(g) and not d.is_array_supported(a)
    assert not rechain.get_device(0).is_array_supported(g)
    back = backend.CpuDevice().send(g)
    assert isinstance(back, numpy.ndarray) and back.tolist() == [0.0, 1.0, 2.0]


def test_send_keeps_arrays_already_there_and_copies_across_gpus(fake_cupy):
    d0, d1 = rechain.get_device(0), rechain.get_device(1)
    g = d0.send(numpy.ones(2))
    assert d0.send(g) is g  # no copy on the same device
    g1 = d1.send(g)
    assert g1 is not g and g1.device.id == 1 and g1._a.tolist() == [1.0, 1.0]
    g1._a[0] = 5.0
    assert g._a[0] == 1.0  # a real copy


def test_send_nested_structures_to_gpu(fake_cupy):
    d = rechain.get_device(1)
    a = numpy.zeros(2)
    out = d.send({"x": [a, (a, None)], "s": numpy.float32(2.0)})
    assert isinstance(out["x"][0], fake_cupy.ndarray)
    assert out["x"][0] is out["x"][1][0]  # one array sent once: still shared
    assert out["x"][1][1] is None and isinstance(out["x"][1], tuple)
    assert out["s"].device.id == 1 and out["s"]._a.dtype == numpy.float32


def test_send_rejects_non_arrays(fake_cupy):
    with pytest.raises(TypeError, match="to_gpu: cannot move an object of type object"):
        rechain.get_device(0).send(object())


def test_use_and_using_device(fake_cupy):
    assert fake_cupy.current_device_id() == 0
    with rechain.using_device("@cupy:1"):
        assert fake_cupy.current_device_id() == 1
        g = backend.to_gpu(numpy.zeros(1))  # None: the current device
        assert g.device.id == 1
    assert fake_cupy.current_device_id() == 0
    rechain.get_device(1).use()
    assert fake_cupy.current_device_id() == 1
    rechain.get_device(0).use()
    with rechain.using_device(-1):  # the CPU: nothing changes
        assert fake_cupy.current_device_id() == 0


def test_get_device_from_array(fake_cupy):
    g = backend.to_gpu(numpy.zeros(1), 1)
    assert backend.get_device_from_array(g) == rechain.get_device(1)
    assert backend.get_device_from_array(numpy.zeros(1), g) == rechain.get_device(1)
    assert backend.get_device_from_array(numpy.zeros(1)) == backend.CpuDevice()
    assert backend.GpuDevice.from_array(numpy.zeros(1)) is None
    assert backend.CpuDevice.from_array(g) is None


def test_backend_to_gpu_device_forms(fake_cupy):
    a = numpy.zeros(2)
    assert backend.to_gpu(a, 1).device.id == 1
    assert backend.to_gpu(a, fake_cupy.cuda.Device(1)).device.id == 1
    assert backend.to_gpu(a, rechain.get_device(1)).device.id == 1
    assert backend.to_gpu(a, rechain.cuda.DummyDevice).device.id == 0  # current
    xs = backend.to_gpu([a, (a,)], 1)
    assert isinstance(xs, list) and xs[0] is xs[1][0]
    with pytest.raises(ValueError, match=r"to_gpu: invalid CUDA device -1"):
        backend.to_gpu(a, -1)
    with pytest.raises(TypeError, match="to_gpu: a CUDA device must be an int >= 0"):
        backend.to_gpu(a, "1")


def test_backend_to_cpu_reads_under_the_arrays_device(fake_cupy):
    g = backend.to_gpu(numpy.arange(2.0), 1)
    out = backend.to_cpu([g, None])
    assert isinstance(out[0], numpy.ndarray) and out[0].tolist() == [0.0, 1.0]
    assert g.gets == 1 and out[1] is None


def test_get_array_module_sees_gpu_arrays(fake_cupy):
    g = backend.to_gpu(numpy.zeros(1))
    assert backend.get_array_module(numpy.zeros(1), g) is fake_cupy
    assert backend.get_array_module(numpy.zeros(1)) is numpy


def test_print_runtime_info_with_cupy(fake_cupy):
    out = io.StringIO()
    rechain.print_runtime_info(out)
    text = out.getvalue()
    assert "CuPy: 13.0.0\n  CUDA runtime: 12.4\n  CUDA driver: 12.6\n  Devices: 2\n" in text
    assert "  Device 1: Fake GPU 1 (compute capability 9.0, 16.0 GiB)\n" in text


def test_copyto_across_devices(fake_cupy):
    g = backend.to_gpu(numpy.zeros(3), 1)
    backend.copyto(g, numpy.arange(3.0))  # same dtype and shape: one set()
    assert g._a.tolist() == [0.0, 1.0, 2.0] and g.sets == 1
    backend.copyto(g, numpy.arange(3, dtype=numpy.int32) * 2)  # other dtype: via the GPU
    assert g._a.tolist() == [0.0, 2.0, 4.0] and g.sets == 1
    backend.copyto(g, 7.0)  # a scalar broadcasts
    assert g._a.tolist() == [7.0, 7.0, 7.0]
    src = backend.to_gpu(numpy.full(3, 5.0), 0)
    backend.copyto(g, src)
    assert g._a.tolist() == [5.0, 5.0, 5.0]
    host = numpy.zeros(3)
    backend.copyto(host, g)
    assert host.tolist() == [5.0, 5.0, 5.0]
    with pytest.raises(TypeError, match="copyto: cannot copy from an object of type list"):
        backend.copyto(g, [1.0, 2.0, 3.0])

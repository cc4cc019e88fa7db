"""rechain.backends._cpu: Chainer's private module of the CPU device and _to_cpu."""

import numpy
import pytest

from rechain import backend
from rechain.backends import _cpu


def test_cpu_device_is_rechains():
    assert _cpu.CpuDevice is backend.CpuDevice
    assert _cpu.CpuDevice() == backend.CpuDevice()


def test_to_cpu_of_arrays_scalars_and_none():
    a = numpy.arange(3.0)
    assert _cpu._to_cpu(a) is a
    assert _cpu._to_cpu(None) is None
    s = _cpu._to_cpu(numpy.float32(2.5))
    assert isinstance(s, numpy.ndarray) and s.shape == () and s == 2.5
    out = _cpu._to_cpu((a, None))  # containers element by element, same type
    assert type(out) is tuple and out[0] is a and out[1] is None
    with pytest.raises(TypeError, match="cannot move an object of type dict"):
        _cpu._to_cpu({"a": a})

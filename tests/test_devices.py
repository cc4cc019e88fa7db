"""Devices on the CPU: get_device specifiers, CpuDevice, using_device, Link /
Variable / Parameter .to_device and .device, get_dtype, debug mode,
print_runtime_info and Chainer's configuration keys. (GPU paths: against a fake
CuPy in backends_tests/, and gpu-marked cases at the end.)"""

import collections
import io
import os
import subprocess
import sys

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import backend

no_gpu = pytest.mark.skipif(backend.gpu_available, reason="checks the error raised without a GPU")


# -- get_device ----------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ["@numpy", -1, -3, numpy.int32(-1), "-1", numpy,
                                  backend.CpuDevice()])
def test_cpu_specs(spec):
    d = rechain.get_device(spec)
    assert isinstance(d, backend.CpuDevice) and d == backend.CpuDevice()


def test_device_object_returned_as_is():
    d = backend.CpuDevice()
    assert rechain.get_device(d) is d
    assert rechain.get_device is backend.get_device
    assert rechain.using_device is backend.using_device


_ACCEPTED = "accepted: '@numpy'; '@cupy:N'"


@pytest.mark.parametrize("spec,message", [
    ("@foo", r"get_device: unknown device specifier '@foo'; " + _ACCEPTED),
    ("@numpy:0", r"unknown device specifier '@numpy:0'"),
    ("@cupy", r"unknown device specifier '@cupy'; "),
    ("@cupy:", r"unknown device specifier '@cupy:'"),
    ("@cupy:x", r"unknown device specifier '@cupy:x'"),
    ("@cupy:-1", r"unknown device specifier '@cupy:-1'"),
    ("@intel64", r"get_device: '@intel64' \(iDeep\) is not supported by rechain; use '@numpy'"),
    ("native", r"get_device: 'native' is not a rechain device specifier \(without '@' Chainer "
               r"reads it as a ChainerX device, and rechain has no ChainerX\); use '@numpy'; "
     + _ACCEPTED),
    ("native:0", r"'native:0' is not a rechain device specifier .* use '@numpy'"),
    ("cuda:0", r"'cuda:0' is not a rechain device specifier .* use '@cupy:0'"),
    ("cuda:1", r"use '@cupy:1'"),
    ("cpu", r"'cpu' is not a rechain device specifier .* use '@numpy'"),
    ("", r"'' is not a rechain device specifier .* use '@numpy' or '@cupy:N'"),
    ("numpy", r"'numpy' is not a rechain device specifier"),
])
def test_rejected_strings(spec, message):
    with pytest.raises(ValueError, match=message):
        rechain.get_device(spec)


@pytest.mark.parametrize("spec,shown", [(1.5, "float"), (None, "NoneType"), ([0], "list"),
                                        (object(), "object")])
def test_rejected_types(spec, shown):
    with pytest.raises(TypeError, match=rf"get_device: cannot make a device of an object of "
                                        rf"type {shown}; " + _ACCEPTED):
        rechain.get_device(spec)


@pytest.mark.parametrize("spec", [True, False])
def test_bools_are_not_device_ids(spec):
    with pytest.raises(TypeError, match=rf"get_device: {spec} is not a device specifier"):
        rechain.get_device(spec)


def test_chainerx_device_objects_rejected():
    fake_chx = type("Device", (), {"__module__": "chainerx._core"})()
    with pytest.raises(ValueError, match="is a ChainerX device; rechain has no ChainerX"):
        rechain.get_device(fake_chx)


@no_gpu
@pytest.mark.parametrize("spec", [0, 1, "0", "@cupy:0", "@cupy:3"])
def test_gpu_specs_without_gpu_raise_runtime_error(spec):
    with pytest.raises(RuntimeError, match=r"get_device\(.*\): CuPy is (not installed|installed "
                                           r"but no CUDA device)"):
        rechain.get_device(spec)


@no_gpu
def test_gpu_device_without_cupy():
    with pytest.raises(RuntimeError, match="GpuDevice: CuPy is"):
        backend.GpuDevice(0)
    with pytest.raises(RuntimeError, match="GpuDevice.from_device_id: CuPy is"):
        backend.GpuDevice.from_device_id(0)
    assert backend.GpuDevice.from_array(numpy.zeros(1)) is None


# -- CpuDevice -----------------------------------------------------------------------------

def test_cpu_device_attributes():
    d = backend.CpuDevice()
    assert d.xp is numpy and d.name == "@numpy" and str(d) == "@numpy"
    assert repr(d) == "<CpuDevice (numpy)>"
    assert d.supported_array_types == (numpy.ndarray,)
    assert d.is_array_supported(numpy.zeros(1)) and not d.is_array_supported([0.0])
    assert backend.CpuDevice.from_array(numpy.zeros(1)) == d
    assert backend.CpuDevice.from_array(1.0) is None
    d.use()  # nothing to do on the CPU


def test_cpu_device_equality_and_hash():
    a, b = backend.CpuDevice(), rechain.get_device("@numpy")
    assert a == b and not a != b and hash(a) == hash(b) == hash("@numpy")
    assert a != "@numpy" and a != -1 and a != numpy
    assert len({a, b}) == 1 and {a: 1}[b] == 1


def test_device_is_not_a_context_manager():
    with pytest.raises(RuntimeError, match=r"use rechain.using_device\('@numpy'\)"):
        with backend.CpuDevice():
            pass


def test_send_single_arrays_and_scalars():
    d = backend.CpuDevice()
    a = numpy.arange(3)
    assert d.send(a) is a  # already there: no copy
    assert d.send(None) is None
    s = d.send(numpy.float16(1.5))
    assert isinstance(s, numpy.ndarray) and s.dtype == numpy.float16 and s.shape == ()
    assert d.send(2.0).shape == ()


def test_send_nested_structures():
    d = backend.CpuDevice()
    a, b = numpy.zeros(2), numpy.ones(3)
    Pair = collections.namedtuple("Pair", "x t")
    batch = {"x": [a, (b, None)], "t": Pair(a, 3), "nested": {"deep": [[b]]}}
    out = d.send(batch)
    assert out is not batch and isinstance(out, dict)
    assert isinstance(out["x"], list) and isinstance(out["x"][1], tuple)
    assert out["x"][0] is a and out["x"][1][0] is b and out["x"][1][1] is None
    assert isinstance(out["t"], Pair) and out["t"].x is a
    assert isinstance(out["t"].t, numpy.ndarray) and out["t"].t == 3
    assert out["nested"]["deep"][0][0] is b
    assert batch["x"][1] == (b, None)  # the input is not modified
    od = d.send(collections.OrderedDict([("b", a), ("a", b)]))
    assert isinstance(od, collections.OrderedDict) and list(od) == ["b", "a"]
    dd = d.send(collections.defaultdict(list, {"k": a}))
    assert dd.default_factory is list and dd["k"] is a


def test_send_rejects_non_arrays_naming_the_type():
    with pytest.raises(TypeError, match="to_cpu: cannot move an object of type Variable"):
        backend.CpuDevice().send(rechain.Variable(numpy.zeros(1)))
    with pytest.raises(TypeError, match="cannot move an object of type object"):
        backend.CpuDevice().send([numpy.zeros(1), object()])


def test_using_device_cpu():
    with rechain.using_device("@numpy") as ctx:
        assert ctx is None
    with rechain.using_device(-1):
        pass
    with pytest.raises(ValueError, match="unknown device specifier '@foo'"):
        rechain.using_device("@foo")


def test_get_device_from_array_on_cpu():
    assert backend.get_device_from_array(numpy.zeros(1)) == backend.CpuDevice()
    assert backend.get_device_from_array() == backend.CpuDevice()
    assert backend.get_device_from_array(rechain.Variable(numpy.zeros(1))) == backend.CpuDevice()


def test_unsupported_device_classes():
    assert not isinstance(backend.CpuDevice(), backend.ChainerxDevice)
    assert issubclass(backend.ChainerxDevice, backend.Device)
    with pytest.raises(RuntimeError, match="ChainerxDevice: rechain has no ChainerX backend"):
        backend.ChainerxDevice("native:0")
    with pytest.raises(RuntimeError, match=r"Intel64Device: rechain has no iDeep \(intel64\)"):
        backend.Intel64Device()


# -- Link / Variable / Parameter -----------------------------------------------------------

class _Net(rechain.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.bn = L.BatchNormalization(4)
            self.lazy = L.Linear(None, 2)

    def forward(self, x):
        return self.lazy(self.bn(self.l1(x)))


@pytest.mark.parametrize("spec", ["@numpy", -1, "-1", numpy, backend.CpuDevice()])
def test_link_to_device_cpu_round_trip(spec):
    net = _Net()
    x = numpy.ones((2, 3), numpy.float32)
    before = net(x).array
    assert net.to_device(spec) is net
    assert net.device == backend.CpuDevice() and net.l1.device == backend.CpuDevice()
    assert net.xp is numpy
    assert all(isinstance(p.array, numpy.ndarray) for p in net.params(include_uninit=False))
    assert isinstance(net.bn.avg_mean, numpy.ndarray)
    numpy.testing.assert_array_equal(net(x).array, before)


class _Stateful(L.Linear):
    """A link that moves extra state in to_cpu, as L.LSTM does for c and h."""

    def __init__(self):
        super().__init__(2, 2)
        self.moves = 0

    def to_cpu(self):
        super().to_cpu()
        self.moves += 1
        return self


def test_to_device_calls_descendants_to_cpu_overrides_once():
    inner = _Stateful()
    deep = _Stateful()
    net = rechain.Sequential(L.Linear(2, 2), inner, rechain.ChainList(L.Linear(2, 2), deep))
    net.to_device("@numpy")
    assert inner.moves == 1 and deep.moves == 1
    net.to_cpu()
    assert inner.moves == 2 and deep.moves == 2
    inner.to_cpu()
    assert inner.moves == 3


def test_chain_with_lstm_to_device_keeps_state():
    net = rechain.Sequential(L.LSTM(3, 2))
    net(numpy.ones((1, 3), numpy.float32))
    h = net[0].h
    net.to_device(-1)
    assert net[0].h is h and isinstance(h.array, numpy.ndarray)


def test_link_to_device_rejects_bad_specs():
    net = _Net()
    with pytest.raises(ValueError, match="get_device: 'cuda:0' is not a rechain device"):
        net.to_device("cuda:0")
    with pytest.raises(TypeError, match="get_device: cannot make a device of an object of "
                                        "type NoneType"):
        net.to_device(None)


@no_gpu
def test_link_to_device_gpu_without_gpu():
    with pytest.raises(RuntimeError, match=r"get_device\('@cupy:0'\): CuPy"):
        _Net().to_device("@cupy:0")


def test_variable_to_device_and_device():
    v = rechain.Variable(numpy.ones(3))
    v.grad = numpy.zeros(3)
    a, g = v.array, v.grad
    assert v.device == backend.CpuDevice()
    assert v.to_device("@numpy") is None  # as in Chainer
    assert v.array is a and v.grad is g
    v.to_device(backend.CpuDevice())
    v.to_device(-1)
    assert v.array is a
    with pytest.raises(ValueError, match="unknown device specifier '@gpu'"):
        v.to_device("@gpu")
    assert rechain.Variable().device == backend.CpuDevice()


def test_parameter_device():
    p = rechain.Parameter()
    assert p.device == backend.CpuDevice()
    p.to_device("@numpy")
    p.initialize((2,))
    assert isinstance(p.array, numpy.ndarray) and p.device == backend.CpuDevice()
    q = rechain.Parameter(numpy.ones(2))
    q.to_device(-1)
    assert isinstance(q.array, numpy.ndarray)


# -- get_dtype, debug ----------------------------------------------------------------------

def test_get_dtype_defaults_to_config_dtype():
    assert rechain.get_dtype() == numpy.float32
    assert isinstance(rechain.get_dtype(), numpy.dtype)
    assert rechain.get_dtype(numpy.float64) == numpy.float64
    assert rechain.get_dtype("float16") == numpy.float16
    with rechain.using_config("dtype", numpy.float64):
        assert rechain.get_dtype() == numpy.float64
        assert rechain.get_dtype(numpy.float16) == numpy.float16  # explicit wins
    with rechain.using_config("dtype", numpy.dtype(numpy.float16)):
        assert rechain.get_dtype() == numpy.float16
    assert rechain.get_dtype() == numpy.float32


def test_get_dtype_mixed16():
    assert repr(rechain.mixed16) == "dtype('mixed16')"
    with rechain.using_config("dtype", rechain.mixed16):
        assert rechain.get_dtype() == numpy.float16
        assert rechain.get_dtype(map_mixed16=numpy.float32) == numpy.float32
        assert rechain.get_dtype(numpy.float64, map_mixed16=numpy.float32) == numpy.float64
    assert rechain.get_dtype(rechain.mixed16) == numpy.float16
    assert rechain.get_dtype(map_mixed16=numpy.float64) == numpy.float32  # not mixed16


def test_debug_mode():
    assert rechain.is_debug() is False
    rechain.set_debug(True)
    assert rechain.is_debug() is True and rechain.config.debug is True
    assert rechain.global_config.debug is False  # thread-local, as in Chainer
    rechain.set_debug(False)
    assert rechain.is_debug() is False
    with rechain.using_config("debug", 1):
        assert rechain.is_debug() is True


# -- print_runtime_info --------------------------------------------------------------------

def test_print_runtime_info_to_a_file():
    out = io.StringIO()
    assert rechain.print_runtime_info(out) is None
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Platform: ")
    assert f"rechain: {rechain.__version__}" in lines
    assert f"NumPy: {numpy.__version__}" in lines
    assert "ChainerX: Not Available" in lines and "iDeep: Not Available" in lines
    if backend.cupy is None:
        assert "CuPy: Not Available" in lines
    else:
        assert f"CuPy: {backend.cupy.__version__}" in lines


def test_print_runtime_info_defaults_to_stdout(capsys):
    rechain.print_runtime_info()
    assert "NumPy: " in capsys.readouterr().out


def test_get_runtime_info_is_what_print_runtime_info_prints():
    from rechain import _runtime_info
    info = _runtime_info._get_runtime_info()
    assert f"rechain: {rechain.__version__}\n" in str(info)
    out = io.StringIO()
    _runtime_info.print_runtime_info(out)
    assert out.getvalue() == str(info)


# -- Chainer's configuration keys ------------------------------------------------------------

_CHAINER_DEFAULTS = {
    "autotune": False, "compute_mode": None, "cudnn_deterministic": False,
    "cudnn_fast_batch_normalization": False, "debug": False, "enable_backprop": True,
    "in_recomputing": False, "keep_graph_on_report": False, "lazy_grad_sum": False,
    "schedule_func": None, "train": True, "type_check": True, "use_cudnn": "auto",
    "use_cudnn_tensor_core": "auto", "use_ideep": "never", "use_static_graph": True,
    "warn_nondeterministic": False,
}


@pytest.mark.parametrize("name", sorted(_CHAINER_DEFAULTS))
def test_chainer_config_defaults(name):
    assert getattr(rechain.config, name) == _CHAINER_DEFAULTS[name]
    assert type(getattr(rechain.config, name)) is type(_CHAINER_DEFAULTS[name])
    assert getattr(rechain.global_config, name) == _CHAINER_DEFAULTS[name]


@pytest.mark.parametrize("name,value", [("use_cudnn", "never"), ("autotune", True),
                                        ("cudnn_deterministic", True), ("use_ideep", "auto"),
                                        ("compute_mode", "cudnn_fast"),
                                        ("lazy_grad_sum", True)])
def test_using_config_on_chainer_keys(name, value):
    default = _CHAINER_DEFAULTS[name]
    with rechain.using_config(name, value):
        assert getattr(rechain.config, name) == value
        assert getattr(rechain.global_config, name) == default
    assert getattr(rechain.config, name) == default
    assert name not in vars(rechain.config)


def test_config_show_lists_chainer_keys():
    out = io.StringIO()
    rechain.config.show(out)
    text = out.getvalue()
    for name in _CHAINER_DEFAULTS:
        assert name in text
    assert "dtype" in text


def test_unknown_config_key_still_raises():
    with pytest.raises(AttributeError):
        rechain.config.no_such_entry


def _run(code, **env):
    full = dict(os.environ, **env)
    for k in [k for k in full if k.startswith("CHAINER_") and k not in env]:
        del full[k]
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                          timeout=120)


def test_chainer_environment_variables_set_defaults():
    code = ("import rechain; c = rechain.global_config; "
            "print(c.debug, c.type_check, c.dtype, c.use_cudnn, c.use_ideep, c.lazy_grad_sum, "
            "c.keep_graph_on_report, c.cudnn_fast_batch_normalization)")
    r = _run(code, CHAINER_DEBUG="1", CHAINER_TYPE_CHECK="0", CHAINER_DTYPE="float64",
             CHAINER_USE_CUDNN="never", CHAINER_USE_IDEEP="auto", CHAINER_LAZY_GRAD_SUM="1",
             CHAINER_KEEP_GRAPH_ON_REPORT="1", CHAINER_CUDNN_FAST_BATCH_NORMALIZATION="1")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "False", "float64", "never", "auto", "True", "True",
                                "True"]
    r = _run("import rechain; print(rechain.config.dtype, rechain.get_dtype())",
             CHAINER_DTYPE="mixed16")
    assert r.stdout.split() == ["dtype('mixed16')", "float16"]


def test_bad_chainer_dtype_fails_at_import():
    r = _run("import rechain", CHAINER_DTYPE="int8")
    assert r.returncode != 0
    assert "CHAINER_DTYPE='int8': only float16, float32, float64 or mixed16" in r.stderr


# -- on a real GPU -------------------------------------------------------------------------

@pytest.mark.gpu
def test_gpu_link_round_trip():
    cp = backend.cupy
    net = _Net()
    x = numpy.ones((2, 3), numpy.float32)
    before = net(x).array
    net.to_device("@cupy:0")
    assert net.device == rechain.get_device(0) and net.xp is cp
    assert isinstance(net.l1.W.array, cp.ndarray) and isinstance(net.bn.avg_mean, cp.ndarray)
    y = net(cp.asarray(x))
    numpy.testing.assert_allclose(cp.asnumpy(y.array), before, rtol=1e-5)
    F.sum(y).backward()
    assert isinstance(net.l1.W.grad, cp.ndarray)
    net.to_device("@numpy")
    assert net.device == backend.CpuDevice() and isinstance(net.l1.W.array, numpy.ndarray)
    assert isinstance(net.l1.W.grad, numpy.ndarray)


@pytest.mark.gpu
def test_gpu_lstm_state_moves_with_its_parent_chain():
    cp = backend.cupy
    net = rechain.Sequential(L.LSTM(3, 2))
    net(numpy.ones((1, 3), numpy.float32))
    net.to_device("@cupy:0")
    assert isinstance(net[0].h.array, cp.ndarray) and isinstance(net[0].c.array, cp.ndarray)
    net(cp.ones((1, 3), cp.float32))  # state and input on the same device
    net.to_device("@numpy")
    assert isinstance(net[0].h.array, numpy.ndarray)


@pytest.mark.gpu
def test_gpu_variable_and_parameter_to_device():
    cp = backend.cupy
    v = rechain.Variable(numpy.ones(3, numpy.float32))
    v.grad = numpy.zeros(3, numpy.float32)
    v.to_device(0)
    assert isinstance(v.array, cp.ndarray) and isinstance(v.grad, cp.ndarray)
    assert v.device == rechain.get_device("@cupy:0")
    v.to_device("@numpy")
    assert isinstance(v.array, numpy.ndarray) and v.device == backend.CpuDevice()
    p = rechain.Parameter()
    p.to_device("@cupy:0")
    assert p.device == rechain.get_device(0)
    p.initialize((2,))
    assert isinstance(p.array, cp.ndarray)


@pytest.mark.gpu
def test_gpu_device_send_and_get_device_from_array():
    cp = backend.cupy
    d = rechain.get_device("@cupy:0")
    g = d.send({"x": [numpy.zeros(2)]})["x"][0]
    assert isinstance(g, cp.ndarray) and d.send(g) is g
    assert backend.get_device_from_array(g) == d
    assert rechain.get_device(cp) == rechain.get_device(cp.cuda.Device())
    with rechain.using_device(d):
        assert cp.cuda.Device().id == 0

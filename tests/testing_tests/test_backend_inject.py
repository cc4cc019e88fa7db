import sys
import unittest

import numpy
import pytest

import rechain
from rechain import backend, testing
from _run import generated, run_case


def _cleanup(bundle):
    module = sys.modules[__name__]
    for c in generated(bundle):
        if getattr(module, c.__name__, None) is c:
            delattr(module, c.__name__)


def test_backend_config_cpu_defaults_and_context():
    cfg = testing.BackendConfig({})
    assert cfg.device == backend.CpuDevice() and cfg.xp is numpy
    assert cfg.use_cuda is False and cfg.use_cudnn == "never"
    x = cfg.get_array(numpy.ones(2))
    assert isinstance(x, numpy.ndarray)
    with testing.BackendConfig({"use_ideep": "always", "autotune": True}) as c:
        assert rechain.config.use_ideep == "always" and rechain.config.autotune is True
        assert c.device == backend.CpuDevice()
    assert rechain.config.use_ideep == "never" and rechain.config.autotune is False
    assert "use_cuda=False" in repr(cfg)
    assert cfg.get_func_str().startswith("use_chainerx_false__chainerx_device_None")


def test_backend_config_rejects_bad_params():
    with pytest.raises(ValueError, match="unknown parameter 'use_gpu'"):
        testing.BackendConfig({"use_gpu": True})
    with pytest.raises(TypeError, match="must be a dict"):
        testing.BackendConfig([("use_cuda", True)])
    with pytest.raises(ValueError, match="chainerx_device"):
        testing.BackendConfig({"use_chainerx": True})


def test_marks_of_configurations():
    def names(params):
        return [m.__name__ for m in testing.BackendConfig(params).get_pytest_marks()]
    assert names({}) == []
    assert names({"use_cuda": True}) == ["gpu"]
    assert names({"use_cuda": True, "use_cudnn": "always"}) == ["gpu", "cudnn"]
    assert names({"use_ideep": "always"}) == ["ideep"]
    assert names({"use_chainerx": True, "chainerx_device": "native:0"}) == ["chainerx"]
    assert names({"use_chainerx": True, "chainerx_device": "cuda:0"}) == ["chainerx", "gpu"]
    assert testing.BackendConfig({"use_cuda": True}).cuda_device == 0


def test_inject_backend_tests_one_class_per_config_passing_the_config():
    seen = []

    class Injected(unittest.TestCase):
        def test_a(self, backend_config):
            seen.append((backend_config.use_ideep, backend_config.xp))

    bundle = testing.inject_backend_tests(None, [{}, {"use_ideep": "always"}])(Injected)
    classes = generated(bundle)
    assert len(classes) == 2
    assert classes[0].__name__.startswith("Injected_use_chainerx_false")
    for c in classes:
        assert run_case(c, "test_a")[0] == "ok"
    assert seen == [("never", numpy), ("always", numpy)]
    marks = [m.name for m in getattr(classes[1].test_a, "pytestmark", [])]
    assert marks == ["ideep"]
    _cleanup(bundle)


def test_inject_only_named_methods_keeps_others_once():
    class Some(unittest.TestCase):
        def test_injected(self, backend_config):
            assert isinstance(backend_config, testing.BackendConfig)

        def test_plain(self):
            pass

    bundle = testing.inject_backend_tests(["test_injected"], [{}])(Some)
    plain_cls, injected_cls = generated(bundle)
    assert plain_cls.test_injected is None and plain_cls.test_plain is not None
    assert injected_cls.test_plain is None
    assert run_case(plain_cls, "test_plain")[0] == "ok"
    assert run_case(injected_cls, "test_injected")[0] == "ok"
    _cleanup(bundle)


@pytest.mark.skipif(backend.gpu_available, reason="checks the no-GPU behaviour")
def test_cupy_and_chainerx_configs_skip_here():
    class Gpu(unittest.TestCase):
        def test_a(self, backend_config):
            raise AssertionError("must not run")

    bundle = testing.inject_backend_tests(None, [
        {"use_cuda": True}, {"use_chainerx": True, "chainerx_device": "native:0"}])(Gpu)
    for c in generated(bundle):
        outcome, result = run_case(c, "test_a")
        assert outcome == "skip"
    assert "gpu" in [m.name for m in generated(bundle)[0].test_a.pytestmark]
    _cleanup(bundle)


def test_inject_backend_tests_checks_arguments():
    with pytest.raises(TypeError, match="method_names"):
        testing.inject_backend_tests("test_a", [{}])
    with pytest.raises(TypeError, match="list of dicts"):
        testing.inject_backend_tests(None, {})

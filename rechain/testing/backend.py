"""Running one test on several backends: ``BackendConfig`` and ``inject_backend_tests``.

``@inject_backend_tests(None, [{}, {'use_cuda': True}])`` turns each test
method ``test_x(self, backend_config)`` into one method per configuration,
each in a generated class named after the configuration. A configuration
is a dict of Chainer's keys (``use_cuda``, ``cuda_device``, ``use_cudnn``,
``use_ideep``, ``use_chainerx``, ...). In rechain:

- ``{}`` (and any ``use_ideep`` value) runs on NumPy: rechain has no iDeep,
  its NumPy code is what such a test exercises;
- ``use_cuda`` runs on CuPy; it is marked ``gpu`` (``cudnn`` too when
  ``use_cudnn`` is not ``'never'``) and skips without CuPy and a GPU;
- ``use_chainerx`` is marked ``chainerx`` and always skips: rechain has no
  ChainerX.
"""

import functools
import unittest

from rechain import backend as _backend
from rechain import configuration
from rechain.testing import _bundle
from rechain.testing import attr

_PROPS = (
    ("use_chainerx", False),
    ("chainerx_device", None),
    ("use_cuda", False),
    ("cuda_device", None),
    ("use_cudnn", "never"),
    ("cudnn_deterministic", False),
    ("autotune", False),
    ("cudnn_fast_batch_normalization", False),
    ("use_ideep", "never"),
)


class BackendConfig:
    """One backend configuration; a context manager that makes it current.

    Inside ``with backend_config:`` the cuDNN/iDeep configuration entries
    are set and its device is current. ``device``, ``xp`` and
    ``get_array(numpy_array)`` give the device and put arrays on it.
    """

    _props = _PROPS

    def __init__(self, params):
        if not isinstance(params, dict):
            raise TypeError(f"BackendConfig: params must be a dict, got "
                            f"{type(params).__name__}")
        for k, v in _PROPS:
            setattr(self, k, v)
        known = {k for k, _ in _PROPS}
        for k, v in params.items():
            if k not in known:
                raise ValueError(f"BackendConfig: unknown parameter {k!r} (known: "
                                 f"{', '.join(sorted(known))})")
            setattr(self, k, v)
        if self.use_chainerx and not isinstance(self.chainerx_device, str):
            raise ValueError("BackendConfig: use_chainerx needs chainerx_device, a "
                             "string such as 'native:0'")
        if self.use_cuda and self.cuda_device is None:
            self.cuda_device = 0
        self._device = None
        self._contexts = []

    def skip_reason(self):
        """Why this configuration cannot run here, or None."""
        if self.use_chainerx:
            return "ChainerX is not part of rechain"
        if self.use_cuda and not _backend.gpu_available:
            return "needs CuPy and a CUDA GPU"
        return None

    @property
    def device(self):
        """The device arrays of this configuration live on."""
        if self._device is None:
            reason = self.skip_reason()
            if reason is not None:
                raise unittest.SkipTest(reason)
            if self.use_cuda:
                self._device = _backend.GpuDevice.from_device_id(self.cuda_device)
            else:
                self._device = _backend.CpuDevice()
        return self._device

    @property
    def xp(self):
        """The array module of :attr:`device`."""
        return self.device.xp

    def get_array(self, np_array):
        """``np_array`` (or a nested structure of them) sent to :attr:`device`."""
        return self.device.send(np_array)

    def __enter__(self):
        contexts = [configuration.using_config(name, getattr(self, name))
                    for name in ("use_cudnn", "cudnn_deterministic", "autotune",
                                 "use_ideep")]
        contexts.append(_backend.using_device(self.device))
        for c in contexts:
            c.__enter__()
        self._contexts.append(contexts)
        return self

    def __exit__(self, *exc):
        for c in reversed(self._contexts.pop()):
            c.__exit__(*exc)
        return False

    def __repr__(self):
        body = " ".join(f"{k}={getattr(self, k)!r}" for k, _ in _PROPS)
        return f"<BackendConfig {body}>"

    def get_func_str(self):
        """This configuration as text usable in a method or class name."""
        def text(v):
            return "true" if v is True else "false" if v is False else str(v)
        return "__".join(f"{k}_{text(getattr(self, k))}" for k, _ in _PROPS)

    def get_pytest_marks(self):
        """The pytest marks of this configuration (``gpu``, ``cudnn``, ...)."""
        marks = []
        if self.use_chainerx:
            marks.append(attr.chainerx)
            backend_name, _, index = self.chainerx_device.partition(":")
            if backend_name == "cuda":
                marks.append(attr.gpu)
                if index and int(index) >= 1:
                    marks.append(attr.multi_gpu(int(index) + 1))
        elif self.use_cuda:
            marks.append(attr.gpu)
            if self.use_cudnn != "never":
                marks.append(attr.cudnn)
            if self.cuda_device >= 1:
                marks.append(attr.multi_gpu(self.cuda_device + 1))
        elif self.use_ideep != "never":
            marks.append(attr.ideep)
        return marks


def _generate(base, method_names, params):
    if method_names is not None:
        # methods not injected keep running once, in a class of the base's name
        def keep_others(method):
            return None if method.__name__ in method_names else method
        yield base.__name__, {}, keep_others
    for param in params:
        config = BackendConfig(param)

        def inject(method, config=config):
            if method_names is not None and method.__name__ not in method_names:
                return None

            @functools.wraps(method)
            def run(self, *args, **kwargs):
                reason = config.skip_reason()
                if reason is not None:
                    raise unittest.SkipTest(reason)
                return method(self, config, *args, **kwargs)
            for mark in config.get_pytest_marks():
                run = mark(run)
            return run
        yield f"{base.__name__}_{config.get_func_str()}", {}, inject


def inject_backend_tests(method_names, params):
    """Class decorator: run test methods once per backend configuration.

    Args:
        method_names (list of str or None): The methods to inject into (they
            take ``backend_config``); None means every test method.
        params (list of dict): One :class:`BackendConfig` dict per backend.
    """
    if method_names is not None and not isinstance(method_names, list):
        raise TypeError(f"inject_backend_tests: method_names must be None or a list, "
                        f"got {type(method_names).__name__}")
    if not isinstance(params, list) or not all(isinstance(p, dict) for p in params):
        raise TypeError("inject_backend_tests: params must be a list of dicts")
    return _bundle.make_decorator(lambda base: _generate(base, method_names, params))

"""pytest plugin: ``import chainer`` (and ``chainer.*``) resolves to rechain.

Loaded by tools/chainer_tests.py with ``-p rechain_as_chainer`` before any
of Chainer's test files or conftests is imported. It installs an import
hook mapping each module name ``chainer.X`` to ``rechain.X`` (the same
module object, so ``chainer.Variable is rechain.Variable``), a stand-in ``chainerx`` that says
it is unavailable (rechain has no ChainerX), ``mock`` as :mod:`unittest.mock`
and ``numpy.product`` (removed in NumPy 2, used by Chainer's own test code)
as ``numpy.prod``. The CPU-only selection is the tool's ``-m`` and the plugin
``deselect_chainerx``.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import types
from unittest import mock as _mock


class _RechainAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder and loader of ``chainer[.X]`` as the already-imported ``rechain[.X]``."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "chainer" and not fullname.startswith("chainer."):
            return None
        real = "rechain" + fullname[len("chainer"):]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name is not None and (e.name == real or real.startswith(e.name + ".")):
                return None  # rechain has no such module: an ImportError for the test
            raise
        spec = importlib.util.spec_from_loader(fullname, self)
        spec._rechain_module = module
        return spec

    def create_module(self, spec):
        module = spec._rechain_module
        spec._rechain_saved_spec = module.__spec__
        return module

    def exec_module(self, module):
        # importlib set __spec__ to the alias's; give the module its own back
        spec = module.__spec__
        saved = getattr(spec, "_rechain_saved_spec", None)
        if saved is not None:
            module.__spec__ = saved


class _Unavailable(Exception):
    pass


def _make_chainerx():
    cx = types.ModuleType("chainerx")
    cx.__doc__ = "Stand-in: rechain has no ChainerX; is_available() is False."

    class ndarray:  # noqa: N801  (Chainer's name) -- nothing is ever one
        pass

    class Device:
        pass

    class ChainerxError(Exception):
        pass

    class DimensionError(ChainerxError):
        pass

    cx.ndarray, cx.Device = ndarray, Device
    cx.ChainerxError, cx.DimensionError = ChainerxError, DimensionError
    cx.is_available = lambda: False
    cx.is_backprop_required = lambda *a, **k: False

    def unavailable(name):
        def f(*args, **kwargs):
            raise RuntimeError(f"chainerx.{name}: ChainerX is not part of rechain")
        f.__name__ = name
        return f

    def module_getattr(name):
        if name.startswith("__"):
            raise AttributeError(name)
        return unavailable(name)
    cx.__getattr__ = module_getattr
    testing = types.ModuleType("chainerx.testing")
    testing.__getattr__ = module_getattr
    dtypes = types.ModuleType("chainerx.testing.dtypes")
    dtypes.all_dtypes = ("bool_", "int8", "int16", "int32", "int64", "uint8",
                         "float16", "float32", "float64")
    dtypes.float_dtypes = ("float16", "float32", "float64")
    testing.dtypes = dtypes
    cx.testing = testing
    return {"chainerx": cx, "chainerx.testing": testing, "chainerx.testing.dtypes": dtypes}


def _install():
    if not any(isinstance(f, _RechainAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, _RechainAlias())
    for name, module in _make_chainerx().items():
        sys.modules.setdefault(name, module)
    sys.modules.setdefault("mock", _mock)
    import numpy
    if not hasattr(numpy, "product"):  # the tests' own NumPy 1 code, not rechain's
        numpy.product = numpy.prod


_install()


def pytest_configure(config):
    for name in ("gpu", "cudnn", "ideep", "chainerx", "slow", "theano", "multi_gpu",
                 "parametrize_device", "parametrize_device_name"):
        config.addinivalue_line("markers", f"{name}: Chainer's mark")


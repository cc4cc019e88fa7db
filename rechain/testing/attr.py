"""Test marks: ``@attr.gpu``, ``@attr.slow``, ``@attr.multi_gpu(n)``, ...

Each is a pytest mark of the same name, so ``-m 'not gpu'`` deselects.
rechain's own suite knows ``gpu`` and ``slow`` (tests/conftest.py skips
``gpu`` without CuPy and a device); ``cudnn``, ``ideep`` and ``chainerx`` are
provided so Chainer-style tests import, and mark what rechain never runs.
``multi_gpu(n)`` also skips when ``CHAINER_TEST_GPU_LIMIT`` (if set, >= 0)
is below ``n``.
"""

import os
import unittest
import warnings

import pytest


def _mark(name):
    def mark(*args, **kwargs):
        # a project need not register Chainer's marks to use them
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
            decorator = getattr(pytest.mark, name)
        return decorator(*args, **kwargs)
    mark.__name__ = name
    mark.__doc__ = f"The pytest mark ``{name}``."
    return mark


chainerx = _mark("chainerx")
cudnn = _mark("cudnn")
ideep = _mark("ideep")
slow = _mark("slow")
_gpu = _mark("gpu")


def is_available():
    """Whether the marks can be used (pytest is importable: always here)."""
    return True


def check_available():
    """Chainer's availability check; pytest is imported above, so a no-op."""


def get_error():
    """The import error of pytest, if any (None: it imported)."""
    return None


def _gpu_limit():
    return int(os.environ.get("CHAINER_TEST_GPU_LIMIT", "-1"))


def multi_gpu(gpu_num):
    """Mark a test as needing ``gpu_num`` GPUs (pytest mark ``gpu``)."""
    if not isinstance(gpu_num, int) or gpu_num < 1:
        raise ValueError(f"multi_gpu: gpu_num must be a positive int, got {gpu_num!r}")

    def decorator(f):
        limit = _gpu_limit()
        f = unittest.skipIf(0 <= limit < gpu_num, f"{gpu_num} GPUs required")(f)
        return _gpu(f)
    return decorator


def gpu(f):
    """Mark a test as needing one GPU (pytest mark ``gpu``)."""
    return multi_gpu(1)(f)

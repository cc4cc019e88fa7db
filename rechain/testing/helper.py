"""``with_requires`` / ``without_requires``, ``assert_warns`` and ``patch``."""

import contextlib
import importlib.metadata
import sys
import unittest
import warnings
from unittest import mock

from packaging.requirements import InvalidRequirement, Requirement


def _satisfied(requirement):
    try:
        req = Requirement(requirement)
    except InvalidRequirement as e:
        raise ValueError(f"with_requires: invalid requirement {requirement!r}: {e}") from None
    try:
        version = importlib.metadata.version(req.name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return req.specifier.contains(version, prereleases=True)


def with_requires(*requirements):
    """Skip the test unless every requirement (``'numpy>=1.10'``) is installed."""
    skip = not all(_satisfied(r) for r in requirements)
    return unittest.skipIf(skip, f"requires: {','.join(requirements)}")


def without_requires(*requirements):
    """Skip the test if every requirement is installed."""
    skip = all(_satisfied(r) for r in requirements)
    return unittest.skipIf(skip, f"requires not: {','.join(requirements)}")


@contextlib.contextmanager
def assert_warns(expected):
    """Fail unless the block issues a warning of category ``expected``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    if not any(isinstance(w.message, expected) for w in caught):
        name = getattr(expected, "__name__", str(expected))
        raise AssertionError(f"{name} not triggered")


def _resolve(fullname):
    parts = fullname.split(".")
    obj = sys.modules.get(parts[0])
    if obj is None:
        raise RuntimeError(f"patch: module {parts[0]!r} is not imported")
    for i, part in enumerate(parts[1:], 1):
        obj = getattr(obj, part, None)
        if obj is None:
            raise RuntimeError(f"patch: cannot find {'.'.join(parts[:i + 1])}")
    return obj


def patch(target, *args, **kwargs):
    """``unittest.mock.patch`` that wraps the original object by default.

    The mock records calls and still runs the real ``target`` (or ``wraps``).
    """
    wraps = kwargs.pop("wraps") if "wraps" in kwargs else _resolve(target)
    return mock.patch(target, *args, wraps=wraps, **kwargs)

"""rechain.backend.cpu_heap (rechain/_heap.py, Note [cpu heap]).

Each case runs in a fresh interpreter: the setting is process-wide and
glibc cannot be put back to its moving thresholds once set. What is
checked is glibc's own account (mallinfo2): after an 8 MiB array is freed,
a kept heap still holds its bytes as free heap memory for the next array;
malloc as it comes has unmapped them.
"""

import ctypes
import os
import subprocess
import sys

import pytest

from rechain import _heap

glibc = pytest.mark.skipif(_heap.state() == "unsupported", reason="glibc only")

PROBE = r"""
import ctypes, sys
import numpy
import rechain

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
        "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
action = sys.argv[1]
if action == "keep":
    assert rechain.backend.cpu_heap.keep()
elif action == "release":
    assert rechain.backend.cpu_heap.release()
a = numpy.ones(8 << 20, numpy.uint8)
mapped = libc.mallinfo2().hblkhd
del a
print(rechain.backend.cpu_heap.state(), mapped >= 8 << 20, libc.mallinfo2().fordblks >= 8 << 20)
"""


def probe(env_value, action="none"):
    env = dict(os.environ)
    env.pop("RECHAIN_CPU_HEAP", None)
    if env_value is not None:
        env["RECHAIN_CPU_HEAP"] = env_value
    out = subprocess.run([sys.executable, "-c", PROBE, action], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def has_mallinfo2():
    return hasattr(ctypes.CDLL(None), "mallinfo2")


needs_mallinfo2 = pytest.mark.skipif(not has_mallinfo2(), reason="glibc >= 2.33")


@glibc
@needs_mallinfo2
def test_kept_by_default_an_array_freed_stays_in_the_heap():
    # state, the array was its own mapping, its bytes are free heap memory after
    assert probe(None) == ["kept", "False", "True"]
    assert probe("keep") == ["kept", "False", "True"]


@glibc
@needs_mallinfo2
def test_system_leaves_malloc_alone():
    assert probe("system") == ["system", "True", "False"]


@glibc
@needs_mallinfo2
def test_keep_later_and_release():
    assert probe("system", "keep") == ["kept", "False", "True"]
    # released: still from the heap (glibc's mmap threshold stays), but the
    # top is trimmed, so the freed bytes go back to the system
    assert probe(None, "release") == ["system", "False", "False"]


def test_a_bad_value_is_an_error_naming_the_variable():
    env = dict(os.environ, RECHAIN_CPU_HEAP="always")
    out = subprocess.run([sys.executable, "-c", "import rechain"], env=env,
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert "RECHAIN_CPU_HEAP must be 'keep' or 'system', got 'always'" in out.stderr


def test_unsupported_elsewhere(monkeypatch):
    monkeypatch.setattr(_heap, "_libc", False)
    assert _heap.state() == "unsupported"
    assert _heap.keep() is False
    assert _heap.release() is False

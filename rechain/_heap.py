"""The CPU heap: keep the memory a step frees for the next step (Note [cpu heap]).

Note [cpu heap]. A training step allocates and frees the same arrays every
step. glibc's malloc, as it comes, gives them back to the system: an array
over its mmap threshold (128 KiB, raised up to 32 MiB as such arrays are
freed) is its own mapping, unmapped when freed, and the top of the heap is
trimmed once 2x that threshold is free there. The next step then faults
the same pages in again, each one zeroed by the kernel. On resmlp (16
blocks, width 256, batch 1024, one core) that was 11% of a store-all step
(0.149 s against 0.133 s kept) and 8% of a forget-every-block step, and
it made a step slower than the sum of its blocks timed one by one by an
amount no memory model could price (it follows the heap's ups and downs,
not its peak), so the chain planner's predicted times ran up to 15% under
the measured ones.

rechain therefore asks glibc, when it is imported, to keep what it frees:
arrays up to 32 MiB come from the heap (M_MMAP_THRESHOLD, glibc's largest
allowed value on 64-bit), and up to 2 GiB free at the heap's top stays
mapped (M_TRIM_THRESHOLD). It is what CuPy's memory pool does on the GPU,
without a pool: freed memory is reused by the next allocation, the
process's resident size stays at its high-water mark instead of falling
between steps, and that mark is the same (121.7 MiB against 121.6 on the
resmlp run above; tracemalloc's figures, which rechain's memory
accounting and tests use, do not change at all). Arrays over 32 MiB are
still mapped and unmapped one by one.

It is process-wide (every library's allocations), so it can be declined:
``RECHAIN_CPU_HEAP=system`` in the environment leaves malloc as it is.
:func:`keep` sets it later, :func:`release` hands the free memory back
(``malloc_trim``) and lets the heap trim itself again, e.g. after training
and before other work. Elsewhere than glibc (macOS, musl) nothing is done
and :func:`state` says ``'unsupported'``.
"""

import ctypes
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Arrays up to this many bytes come from the heap (glibc's maximum on 64-bit).
MMAP_THRESHOLD = 4 * 1024 * 1024 * ctypes.sizeof(ctypes.c_long)
#: Free bytes the heap's top keeps (mallopt takes a C int).
TRIM_THRESHOLD = 2 ** 31 - 1
#: glibc's static default of M_TRIM_THRESHOLD, restored by :func:`release`.
_DEFAULT_TRIM = 128 * 1024

_libc = None
_state = "system"


def _glibc():
    global _libc
    if _libc is None:
        try:
            lib = ctypes.CDLL(None)
            lib.gnu_get_libc_version          # glibc only
            lib.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
            lib.malloc_trim.argtypes = (ctypes.c_size_t,)
            _libc = lib
        except (OSError, AttributeError):
            _libc = False
    return _libc or None


def state():
    """``'kept'``, ``'system'`` (malloc as it came, or released) or
    ``'unsupported'`` (not glibc)."""
    return _state if _glibc() is not None else "unsupported"


def keep():
    """Keep freed memory for reuse (Note [cpu heap]). Returns whether it took."""
    global _state
    lib = _glibc()
    if lib is None:
        return False
    ok = (lib.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
          and lib.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1)
    if ok:
        _state = "kept"
    return ok


def release():
    """Hand the heap's free memory back to the system now and let the heap's
    top be trimmed again (at glibc's 128 KiB). Arrays up to 32 MiB still come
    from the heap once :func:`keep` has run (glibc cannot put back its moving
    mmap threshold). Returns whether anything was done."""
    global _state
    lib = _glibc()
    if lib is None:
        return False
    lib.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
    lib.malloc_trim(0)
    _state = "system"
    return True


def from_environment():
    """At import: keep the heap unless ``RECHAIN_CPU_HEAP=system``."""
    value = os.environ.get("RECHAIN_CPU_HEAP", "keep").strip().lower()
    if value in ("", "keep"):
        keep()
    elif value != "system":
        raise ValueError(f"RECHAIN_CPU_HEAP must be 'keep' or 'system', got {value!r}")

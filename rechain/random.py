"""The framework random number stream.

Every stochastic operation of rechain (``F.dropout``, initializers when no
generator is given) draws from this stream. The stream is counter-based: its
whole state is ``(seed, counter)``. Each draw takes a fresh generator keyed by
the seed and the counter, then advances the counter by one. Capturing and
restoring the state is therefore a tuple copy, which is what lets ``F.forget``
replay a forward pass with the same random numbers at no cost when nothing
random happens (see ``rechain/recompute/region.py``).
"""

import os
import threading

import numpy

from rechain import backend

_lock = threading.Lock()
_seed = None
_counter = 0


def _fresh_seed():
    return int.from_bytes(os.urandom(8), "little")


def seed(s=None):
    """Reset the framework stream to seed ``s`` (a fresh OS seed when None)."""
    global _seed, _counter
    if s is not None and not isinstance(s, (int, numpy.integer)):
        raise TypeError(f"rechain.random.seed: seed must be an int or None, not {type(s).__name__}")
    with _lock:
        _seed = _fresh_seed() if s is None else int(s) % (1 << 64)
        _counter = 0


def get_state():
    """Return the state of the stream: an opaque, immutable value."""
    if _seed is None:
        seed()
    return (_seed, _counter)


def set_state(state):
    """Restore a state previously returned by :func:`get_state`."""
    global _seed, _counter
    s, c = state
    with _lock:
        _seed, _counter = s, c


def _next_key():
    global _seed, _counter
    with _lock:
        if _seed is None:
            _seed = _fresh_seed()
        key = (_seed, _counter)
        _counter += 1
    return key


def get_generator(xp=numpy):
    """Return a generator for one draw and advance the stream.

    Args:
        xp: ``numpy`` or ``cupy``: the module whose generator is wanted.

    Returns:
        ``numpy.random.Generator`` (or its CuPy counterpart) seeded by the
        stream's current key. Two calls never return the same stream.
    """
    s, c = _next_key()
    if xp is numpy:
        return numpy.random.Generator(numpy.random.Philox(key=s, counter=c))
    # CuPy: derive a 63-bit seed from (seed, counter) on the host.
    ss = numpy.random.SeedSequence([s & 0xFFFFFFFF, s >> 32, c])
    return backend.cupy.random.default_rng(int(ss.generate_state(1, numpy.uint64)[0] >> 1))

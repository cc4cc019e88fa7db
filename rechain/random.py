"""The framework random number stream.

Every stochastic operation of rechain (``F.dropout``, initializers when no
generator is given, the shuffling of iterators without a seed) draws from this
stream. The stream is counter-based: its position is ``(seed, counter)``. Each
draw takes a fresh generator keyed by the seed and the counter, then advances
the counter by one. Capturing and restoring the state is therefore a tuple
copy, which is what lets ``F.forget`` replay a forward pass with the same
random numbers at no cost when nothing random happens (see
``rechain/recompute/region.py``).

Note [following numpy]: Chainer draws from NumPy's global generator, so
Chainer programs make themselves reproducible with ``numpy.random.seed(0)``.
Until :func:`seed` is called with a value, the stream of the main thread
*follows* NumPy's global generator: it takes its seed from it (one draw of 8
bytes) the first time it is needed, and again whenever NumPy's global state
has changed since, whether by ``numpy.random.seed``, ``set_state`` or draws of
the program's own; the counter then starts again from 0. The stream is thus a
function of the program and NumPy's seed. Noticing a change is cheap: a view
of the words of NumPy's MT19937 state (its position and two key words) is
read and compared, well under a microsecond (a slower exact comparison of the
whole state is used for other bit generators). :func:`set_state` pins the
stream at the state it restores, so a replay is never re-seeded by NumPy draws
made between the forward pass and the replay, and restoring the state after it
leaves the stream as if no replay had happened. ``seed(s)`` stops following:
the stream is then fully determined by ``s``; ``seed(None)`` follows again.

Note [thread streams]: each thread has its own stream (seed, counter and mode
are thread-local), so that ``F.forget``'s replay, which captures and restores
the stream around the recompute, rewinds only the calling thread's stream and
never the draws of another thread. The main thread's stream is the one
described above. Another thread's stream starts, the first time that thread
draws, from a seed derived from the process seed and the thread's index: the
value given to :func:`seed` in the main thread and the number of threads that
started drawing since, or, while the main thread follows NumPy, one draw from
NumPy's global generator. The index is the order in which threads first draw,
so threads that start drawing concurrently get reproducible streams only if
each calls :func:`seed` itself; ``seed`` in a thread sets that thread's stream
alone. A thread's stream does not follow NumPy after it starts.
"""

import ctypes
import os
import threading

import numpy

from rechain import backend

_lock = threading.Lock()          # guards draws from NumPy's generator and the thread count


def _reset_lock_in_child():
    # a fork while another thread held the lock must not leave the child's locked
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_in_child)
_np_global = numpy.random.mtrand._rand   # NumPy's global RandomState (numpy.random.seed's)
_MASK64 = (1 << 64) - 1


class _Stream:
    """One thread's stream: position, mode, and NumPy's state when last synced."""

    __slots__ = ("seed", "counter", "follows", "mark")

    def __init__(self, seed, follows):
        self.seed = seed
        self.counter = 0
        self.follows = follows
        self.mark = None          # NumPy's state fingerprint when ``seed`` was taken


_main = _Stream(None, True)
_main_thread = threading.main_thread()
_tls = threading.local()
_base = None                      # the int given to seed() in the main thread, if any
_thread_count = 0                 # threads that started drawing since the main seed


# -- NumPy's global state fingerprint (Note [following numpy]) ---------------------

_fp_owner = None                  # the bit generator the fast view reads
_fp_words = None                  # ctypes view of its MT19937 words, or None


def _bind(bg):
    """Make a view of ``bg``'s MT19937 state words, if its layout is the known one."""
    global _fp_owner, _fp_words
    words = None
    if type(bg) is numpy.random.MT19937:
        try:
            view = (ctypes.c_uint32 * 625).from_address(bg.ctypes.state_address)
            state = bg.state["state"]
            key = numpy.ctypeslib.as_array(view)[:624]
            if int(view[624]) == int(state["pos"]) and numpy.array_equal(key, state["key"]):
                words = view
        except Exception:  # an unknown layout: the exact comparison below is used
            words = None
    _fp_owner, _fp_words = bg, words


def _freeze(value):
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in sorted(value.items()))
    if isinstance(value, numpy.ndarray):
        return (value.dtype.str, value.shape, value.tobytes())
    return value


def _numpy_mark():
    """A value that changes whenever NumPy's global generator state changes."""
    bg = _np_global._bit_generator
    if bg is not _fp_owner:
        _bind(bg)
    w = _fp_words
    if w is None:
        return (id(bg), _freeze(bg.state))
    return (w[624], w[0], w[623])


def _stale(st):
    """Whether NumPy's state moved since ``st`` last synced (inlined fast path)."""
    w = _fp_words
    if w is None or _np_global._bit_generator is not _fp_owner:
        return _numpy_mark() != st.mark
    return (w[624], w[0], w[623]) != st.mark


def _sync(st):
    """Take a new seed from NumPy's global generator (the stream follows it)."""
    with _lock:
        st.seed = int.from_bytes(_np_global.bytes(8), "little")
        st.counter = 0
        st.mark = _numpy_mark()


def _mix(base, index):
    ss = numpy.random.SeedSequence([base & 0xFFFFFFFF, base >> 32, index])
    return int(ss.generate_state(1, numpy.uint64)[0])


def _new_thread_stream():
    """The stream of the calling thread, the first time it uses one."""
    global _thread_count
    if threading.current_thread() is _main_thread:
        st = _main
    else:
        with _lock:
            index = _thread_count
            _thread_count += 1
            if _base is None:
                base = int.from_bytes(_np_global.bytes(8), "little")
            else:
                base = _base
        st = _Stream(_mix(base, index), False)
    _tls.stream = st
    return st


def _stream():
    try:
        return _tls.stream
    except AttributeError:
        return _new_thread_stream()


def _fresh_seed():
    return int.from_bytes(os.urandom(8), "little")


# -- public API ----------------------------------------------------------------------

def seed(s=None):
    """Reset the calling thread's stream.

    Args:
        s (int or None): With an int, the stream is fully determined by it
            (and no longer follows NumPy); in the main thread it also becomes
            the base of the streams of threads that start drawing afterwards.
            With None, the stream follows NumPy's global generator again (see
            Note [following numpy]); in a thread other than the main one, None
            gives the stream a fresh seed from the OS instead.

    Example:
        >>> rechain.random.seed(0)
        >>> a = rechain.random.get_generator().random()
        >>> rechain.random.seed(0)
        >>> a == rechain.random.get_generator().random()
        True
    """
    global _base, _thread_count
    if s is not None and (not isinstance(s, (int, numpy.integer)) or isinstance(s, bool)):
        raise TypeError(f"rechain.random.seed: seed must be an int or None, not {type(s).__name__}")
    st = _stream()
    st.counter = 0
    st.mark = None
    if st is _main:
        with _lock:
            _base = None if s is None else int(s) & _MASK64
            _thread_count = 0
        st.follows = s is None
        st.seed = None if s is None else _base
    elif s is None:
        st.follows = False
        st.seed = _fresh_seed()
    else:
        st.follows = False
        st.seed = int(s) & _MASK64


def get_state():
    """Return the state of the calling thread's stream: an opaque, immutable value.

    It is a tuple whose second element is the number of draws made since the
    seed; :func:`set_state` puts the stream back at it. Cheap: no draw.
    """
    try:
        st = _tls.stream
    except AttributeError:
        st = _new_thread_stream()
    if st.follows and _stale(st):
        _sync(st)
    return (st.seed, st.counter, st.follows)


def set_state(state):
    """Restore a state previously returned by :func:`get_state` (in any thread).

    Only the calling thread's stream changes. A following stream is pinned at
    the restored state until NumPy's global state next changes (Note
    [following numpy]).
    """
    try:
        s, c, f = state
    except (TypeError, ValueError):
        raise TypeError(f"rechain.random.set_state: expected a state returned by get_state(), "
                        f"got {type(state).__name__}") from None
    try:
        st = _tls.stream
    except AttributeError:
        st = _new_thread_stream()
    st.seed = s
    st.counter = c
    st.follows = f
    if f:
        st.mark = _numpy_mark()


def _next_key():
    st = _stream()
    if st.follows and _stale(st):
        _sync(st)
    c = st.counter
    st.counter = c + 1
    return st.seed, c


def get_generator(xp=numpy):
    """Return a generator for one draw and advance the calling thread's stream.

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

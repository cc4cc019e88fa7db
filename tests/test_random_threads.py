"""Thread-local random streams (DESIGN §3 F19, Note [thread streams])."""

import sys
import threading

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import random as rrandom


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _run_threads(targets):
    errors = []

    def wrap(f):
        def run():
            try:
                f()
            except BaseException as e:  # reported in the main thread
                errors.append(e)
        return run
    ts = [threading.Thread(target=wrap(f)) for f in targets]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]


def _block(x, w):
    return F.dropout(F.tanh(x * w), 0.5)


def _step(x, w, forget):
    w.cleargrad()
    y = F.forget(_block, x, w) if forget else _block(x, w)
    F.sum(y * y).backward()
    return y.array.copy(), w.grad.copy()


def test_forget_in_two_threads_matches_plain_and_spares_a_third(fast_switching):
    steps = 300
    results = {}

    def forget_worker(k):
        def run():
            rrandom.seed(100 + k)
            w = rechain.Parameter(numpy.linspace(0.5, 1.5, 16))
            x = rechain.Variable(numpy.linspace(-1, 1, 16))
            for i in range(steps):
                state = rrandom.get_state()
                plain = _step(x, w, False)
                after_plain = rrandom.get_state()
                rrandom.set_state(state)
                forgot = _step(x, w, True)
                numpy.testing.assert_array_equal(forgot[0], plain[0], err_msg=f"step {i}")
                numpy.testing.assert_array_equal(forgot[1], plain[1], err_msg=f"step {i}")
                # the replay left this thread's stream where the plain step left it
                assert rrandom.get_state() == after_plain, f"step {i}"
            results[k] = True
        return run

    def plain_drawer():
        rrandom.seed(7)
        draws = [rrandom.get_generator().random(4) for _ in range(3 * steps)]
        rrandom.seed(7)
        expected = [rrandom.get_generator().random(4) for _ in range(3 * steps)]
        for i, (d, e) in enumerate(zip(draws, expected)):
            numpy.testing.assert_array_equal(d, e, err_msg=f"draw {i}")
        results["drawer"] = True

    _run_threads([forget_worker(0), forget_worker(1), plain_drawer])
    assert results == {0: True, 1: True, "drawer": True}


def test_thread_state_changes_leave_the_main_stream_alone():
    rrandom.seed(3)
    before = rrandom.get_state()

    def other():
        rrandom.seed(11)
        rrandom.get_generator()
        rrandom.set_state(before)      # restoring a state in a thread moves that thread only
        rrandom.get_generator()
    _run_threads([other])
    assert rrandom.get_state() == before


def _first_draws_of_threads(n, main_seed):
    rrandom.seed(main_seed)
    out = [None] * n
    for i in range(n):   # one after the other: deterministic thread indexes
        def run(i=i):
            out[i] = rrandom.get_generator().random(3)
        _run_threads([run])
    return out


def test_new_thread_streams_derive_from_the_main_seed_and_index():
    a = _first_draws_of_threads(3, 21)
    b = _first_draws_of_threads(3, 21)
    for x, y in zip(a, b):
        numpy.testing.assert_array_equal(x, y)
    assert not numpy.array_equal(a[0], a[1]) and not numpy.array_equal(a[1], a[2])
    c = _first_draws_of_threads(3, 22)
    assert not numpy.array_equal(a[0], c[0])
    # not the main thread's own stream
    rrandom.seed(21)
    assert not numpy.array_equal(rrandom.get_generator().random(3), a[0])


def test_new_thread_streams_follow_numpy_while_the_main_thread_does():
    def run(numpy_seed):
        rrandom.seed(None)
        numpy.random.seed(numpy_seed)
        out = []
        _run_threads([lambda: out.append(rrandom.get_generator().random(3))])
        return out[0]
    numpy.testing.assert_array_equal(run(0), run(0))
    assert not numpy.array_equal(run(0), run(1))


def test_states_transfer_between_threads():
    rrandom.seed(5)
    state = rrandom.get_state()
    a = rrandom.get_generator().random(3)
    got = []

    def other():
        rrandom.set_state(state)
        got.append(rrandom.get_generator().random(3))
    _run_threads([other])
    numpy.testing.assert_array_equal(got[0], a)


def test_forward_in_one_thread_backward_in_another():
    rrandom.seed(1)
    w = rechain.Parameter(numpy.linspace(0.5, 1.5, 16))
    x = rechain.Variable(numpy.linspace(-1, 1, 16))
    state = rrandom.get_state()
    plain = _step(x, w, False)
    rrandom.set_state(state)
    w.cleargrad()
    y = F.forget(_block, x, w)
    loss = F.sum(y * y)
    _run_threads([loss.backward])
    numpy.testing.assert_array_equal(w.grad, plain[1])

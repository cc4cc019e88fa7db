"""The framework random stream: seeding, state capture/restore, advancing."""

import threading

import numpy
import pytest

import rechain
from rechain import random as rrandom


def _draw(n=5):
    return rrandom.get_generator().random(n)


def test_seed_is_reproducible():
    rrandom.seed(123)
    a = [_draw(), _draw()]
    rrandom.seed(123)
    b = [_draw(), _draw()]
    numpy.testing.assert_array_equal(a[0], b[0])
    numpy.testing.assert_array_equal(a[1], b[1])


def test_different_seeds_give_different_streams():
    rrandom.seed(1)
    a = _draw()
    rrandom.seed(2)
    b = _draw()
    assert not numpy.array_equal(a, b)


def test_stream_advances_per_draw():
    rrandom.seed(7)
    s0 = rrandom.get_state()
    a = _draw()
    s1 = rrandom.get_state()
    b = _draw()
    s2 = rrandom.get_state()
    assert s0 != s1 != s2
    assert s1[1] == s0[1] + 1 and s2[1] == s1[1] + 1
    assert not numpy.array_equal(a, b)


def test_get_state_does_not_advance():
    rrandom.seed(7)
    assert rrandom.get_state() == rrandom.get_state()
    a = _draw()
    rrandom.seed(7)
    rrandom.get_state()
    numpy.testing.assert_array_equal(_draw(), a)


def test_set_state_replays_and_resumes():
    rrandom.seed(11)
    _draw()
    state = rrandom.get_state()
    a, b = _draw(), _draw()
    after = rrandom.get_state()
    rrandom.set_state(state)
    numpy.testing.assert_array_equal(_draw(), a)
    numpy.testing.assert_array_equal(_draw(), b)
    assert rrandom.get_state() == after


def test_state_is_immutable_and_hashable():
    state = rrandom.get_state()
    hash(state)
    assert isinstance(state, tuple)
    _draw()
    assert rrandom.get_state() != state  # the captured state did not move


def test_state_restored_after_reseed():
    rrandom.seed(3)
    state = rrandom.get_state()
    a = _draw()
    rrandom.seed(999)
    _draw()
    rrandom.set_state(state)
    numpy.testing.assert_array_equal(_draw(), a)


@pytest.mark.parametrize("bad,tname", [(1.5, "float"), ("42", "str"), ([1], "list"),
                                       (numpy.float64(1.0), "float64")])
def test_seed_with_non_int_raises_type_error(bad, tname):
    with pytest.raises(TypeError, match=rf"seed must be an int or None, not {tname}"):
        rrandom.seed(bad)


@pytest.mark.parametrize("good", [0, 2 ** 70, -5, numpy.int64(9), numpy.uint32(3)])
def test_seed_accepts_ints(good):
    rrandom.seed(good)
    a = _draw()
    rrandom.seed(good)
    numpy.testing.assert_array_equal(_draw(), a)


def test_seed_none_follows_numpy_again():
    rrandom.seed(None)
    numpy.random.seed(4)
    a = rrandom.get_state()
    rrandom.seed(None)
    numpy.random.seed(4)
    b = rrandom.get_state()
    assert a == b and a[1] == 0
    numpy.random.seed(5)
    assert rrandom.get_state()[0] != a[0]


def test_generator_is_numpy_generator():
    g = rrandom.get_generator(numpy)
    assert isinstance(g, numpy.random.Generator)


def test_draws_have_sane_distribution():
    rrandom.seed(5)
    x = rrandom.get_generator().normal(size=20000)
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05


def test_draws_from_threads_never_repeat_a_key():
    rrandom.seed(0)
    keys = []
    lock = threading.Lock()

    def worker():
        for _ in range(200):
            k = rrandom._next_key()
            with lock:
                keys.append(k)
    ts = [threading.Thread(target=worker) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(keys) == len(set(keys)) == 800


def test_public_alias():
    assert rechain.random.seed is rrandom.seed

"""The unseeded framework stream follows NumPy's global generator (Note [following numpy])."""

import os
import subprocess
import sys

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import random as rrandom
from rechain.iterators import SerialIterator

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _program(numpy_seed):
    """What a ported Chainer program does: seed NumPy, build, drop out, iterate."""
    numpy.random.seed(numpy_seed)
    model = L.Linear(6, 5)
    x = numpy.ones((4, 6), numpy.float32)
    h = F.dropout(model(x), 0.5)
    it = SerialIterator(list(range(20)), 4, shuffle=True)
    batches = [next(it) for _ in range(10)]  # two epochs and a half: two reshuffles
    return model.W.array.copy(), h.array.copy(), batches


@pytest.fixture
def following():
    rrandom.seed(None)   # conftest fixes the framework seed; the default is to follow NumPy
    yield


def _same(a, b):
    numpy.testing.assert_array_equal(a[0], b[0])
    numpy.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]


def test_numpy_seed_makes_weights_masks_and_orders_reproducible(following):
    _same(_program(0), _program(0))


def test_other_numpy_seed_gives_other_weights_masks_and_orders(following):
    a, b = _program(0), _program(1)
    assert not numpy.array_equal(a[0], b[0])
    assert not numpy.array_equal(a[1] != 0, b[1] != 0)
    assert a[2] != b[2]


def test_fresh_interpreters_agree():
    code = ("import numpy, rechain.links as L, rechain.functions as F\n"
            "numpy.random.seed(3)\n"
            "w = L.Linear(3, 4).W.array\n"
            "m = F.dropout(numpy.ones(16, numpy.float32)).array\n"
            "print(w.tobytes().hex(), m.tobytes().hex())\n")
    env = dict(os.environ, PYTHONPATH=_ROOT)
    outs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True).stdout for _ in range(2)]
    assert outs[0] == outs[1] and outs[0].strip()


def test_reseeding_numpy_midway_restarts_the_stream(following):
    numpy.random.seed(0)
    a = rrandom.get_generator().random(4)
    b = rrandom.get_generator().random(4)
    numpy.random.seed(0)
    numpy.testing.assert_array_equal(rrandom.get_generator().random(4), a)
    numpy.testing.assert_array_equal(rrandom.get_generator().random(4), b)


def test_draws_without_numpy_activity_advance_the_counter_only(following):
    numpy.random.seed(0)
    s0 = rrandom.get_state()
    rrandom.get_generator()
    s1 = rrandom.get_state()
    assert s1[0] == s0[0] and s1[1] == s0[1] + 1


def test_program_numpy_draws_reseed_deterministically(following):
    def run():
        numpy.random.seed(2)
        out = [rrandom.get_generator().random()]
        numpy.random.rand()          # the program's own draw from NumPy
        out.append(rrandom.get_generator().random())
        return out
    a, b = run(), run()
    assert a == b
    assert rrandom.get_state()[1] == 1  # the second draw started a new seed


def test_explicit_seed_ignores_numpy():
    rrandom.seed(5)
    numpy.random.seed(1)
    a = rrandom.get_generator().random(4)
    rrandom.seed(5)
    numpy.random.seed(2)
    numpy.random.rand(3)
    numpy.testing.assert_array_equal(rrandom.get_generator().random(4), a)


def test_explicit_seed_controls_the_whole_program():
    rrandom.seed(9)
    numpy.random.seed(0)
    a = _program_without_numpy_seed()
    rrandom.seed(9)
    numpy.random.seed(1)
    b = _program_without_numpy_seed()
    _same(a, b)


def _program_without_numpy_seed():
    model = L.Linear(6, 5)
    h = F.dropout(model(numpy.ones((4, 6), numpy.float32)), 0.5)
    it = SerialIterator(list(range(20)), 4, shuffle=True)
    return model.W.array.copy(), h.array.copy(), [next(it) for _ in range(10)]


def test_set_state_pins_against_numpy_changes(following):
    numpy.random.seed(0)
    state = rrandom.get_state()
    a = rrandom.get_generator().random(4)
    numpy.random.seed(123)           # between a forward and its replay
    saved = rrandom.get_state()
    rrandom.set_state(state)
    numpy.testing.assert_array_equal(rrandom.get_generator().random(4), a)
    rrandom.set_state(saved)
    assert rrandom.get_state() == saved


def _dropout_block(x, w):
    return F.dropout(F.tanh(x * w), 0.4)


@pytest.mark.parametrize("use_forget", [False, True])
def test_forget_replay_with_numpy_draws_before_backward(following, use_forget):
    def run(forget):
        numpy.random.seed(0)
        w = rechain.Parameter(numpy.linspace(0.5, 1.5, 32).astype(numpy.float64))
        x = rechain.Variable(numpy.linspace(-1, 1, 32))
        y = F.forget(_dropout_block, x, w) if forget else _dropout_block(x, w)
        numpy.random.rand(5)         # the program draws from NumPy before backward
        F.sum(y * y).backward()
        after = rrandom.get_generator().random(3)
        return y.array, w.grad, after
    plain = run(False)
    other = run(use_forget)
    for p, o in zip(plain, other):
        numpy.testing.assert_array_equal(p, o)


def test_other_bit_generator_is_followed_exactly(following):
    original = numpy.random.get_bit_generator()
    try:
        numpy.random.set_bit_generator(numpy.random.PCG64(7))
        a = rrandom.get_generator().random(3)
        b = rrandom.get_generator().random(3)
        numpy.random.set_bit_generator(numpy.random.PCG64(7))
        numpy.testing.assert_array_equal(rrandom.get_generator().random(3), a)
        numpy.testing.assert_array_equal(rrandom.get_generator().random(3), b)
        numpy.random.set_bit_generator(numpy.random.PCG64(8))
        assert not numpy.array_equal(rrandom.get_generator().random(3), a)
    finally:
        numpy.random.set_bit_generator(original)


def test_fast_fingerprint_is_used_for_numpys_default():
    rrandom._numpy_mark()
    assert rrandom._fp_words is not None
    before = rrandom._numpy_mark()
    numpy.random.rand()
    assert rrandom._numpy_mark() != before


def test_set_state_rejects_other_values():
    with pytest.raises(TypeError, match=r"rechain.random.set_state: expected a state"):
        rrandom.set_state(5)

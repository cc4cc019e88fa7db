import weakref
import gc

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.links.rnn.lstm import LSTM
from rechain.utils.type_check import InvalidType


def _sigmoid(z):
    return 1 / (1 + numpy.exp(-z))


def _ref_step(link, x, c, h):
    z = x @ link.upward.W.array.T + link.upward.b.array
    if h is not None:
        z = z + h @ link.lateral.W.array.T
    z = z.reshape(len(x), -1, 4)
    a, i, f, o = numpy.tanh(z[..., 0]), _sigmoid(z[..., 1]), _sigmoid(z[..., 2]), \
        _sigmoid(z[..., 3])
    c = a * i + (0 if c is None else f * c)
    return c, o * numpy.tanh(c)


def _xs(n=3, batch=2, size=3):
    return [numpy.random.randn(batch, size).astype(numpy.float32) for _ in range(n)]


def test_steps_match_reference_and_keep_state():
    lstm = LSTM(3, 4)
    c = h = None
    for x in _xs():
        y = lstm(x)
        c, h = _ref_step(lstm, x, c, h)
        numpy.testing.assert_allclose(y.array, h, rtol=1e-5, atol=1e-6)
        numpy.testing.assert_allclose(lstm.c.array, c, rtol=1e-5, atol=1e-6)
        assert lstm.h is y


def test_bias_initialisation():
    lstm = LSTM(3, 5)
    gates = lstm.upward.b.array.reshape(5, 4)
    numpy.testing.assert_array_equal(gates[:, 2], 1)
    numpy.testing.assert_array_equal(gates[:, [0, 1, 3]], 0)
    assert lstm.lateral.b is None
    assert lstm.upward.W.array.std() > 0 and lstm.lateral.W.array.std() > 0
    custom = LSTM(3, 2, bias_init=0.5, forget_bias_init=-1.0)
    numpy.testing.assert_array_equal(custom.upward.b.array.reshape(2, 4),
                                     [[0.5, 0.5, -1, 0.5]] * 2)


def test_lazy_in_size_and_one_argument_form():
    for lstm in (LSTM(None, 4), LSTM(4)):
        assert not lstm.upward.W.is_initialized
        y = lstm(numpy.ones((2, 6), numpy.float32))
        assert lstm.upward.W.shape == (16, 6) and y.shape == (2, 4)
        assert lstm.upward.b.array.reshape(4, 4)[0, 2] == 1


def test_reset_and_set_state():
    lstm = LSTM(3, 2)
    lstm(_xs(1)[0])
    lstm.reset_state()
    assert lstm.c is None and lstm.h is None
    c = numpy.random.rand(2, 2).astype(numpy.float32)
    h = numpy.random.rand(2, 2).astype(numpy.float32)
    lstm.set_state(c, h)
    x = _xs(1)[0]
    y = lstm(x)
    numpy.testing.assert_allclose(y.array, _ref_step(lstm, x, c, h)[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidType, match=r"set_state: c must have shape \(batch, 2\), got "
                                          r"\(2, 3\)"):
        lstm.set_state(numpy.zeros((2, 3), numpy.float32), h)


def test_shrinking_batch_carries_the_rest_over():
    lstm = LSTM(3, 2)
    lstm(numpy.random.randn(3, 3).astype(numpy.float32))
    c0, h0 = lstm.c.array.copy(), lstm.h.array.copy()
    x = numpy.random.randn(2, 3).astype(numpy.float32)
    y = lstm(x)
    c_ref, h_ref = _ref_step(lstm, x, c0[:2], h0[:2])
    numpy.testing.assert_allclose(y.array, h_ref, rtol=1e-5, atol=1e-6)
    assert lstm.h.shape == (3, 2) and lstm.c.shape == (3, 2)
    numpy.testing.assert_array_equal(lstm.h.array[2], h0[2])
    numpy.testing.assert_array_equal(lstm.c.array[2], c0[2])
    numpy.testing.assert_allclose(lstm.c.array[:2], c_ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidType, match=r"batch size of x \(4, 3\).*h \(3, 2\)"):
        lstm(numpy.ones((4, 3), numpy.float32))


def _run(lstm, xs, wrap):
    lstm.reset_state()
    lstm.cleargrads()
    loss = 0
    for x in xs:
        h = F.forget(lstm, x) if wrap else lstm(x)
        loss = loss + F.sum(h * h)
    loss.backward()
    return {n: p.grad.copy() for n, p in lstm.namedparams()}, lstm.h.array.copy()


def test_forget_per_step_matches_plain_run():
    lstm = LSTM(3, 4)
    xs = _xs(4)
    plain, h_plain = _run(lstm, xs, False)
    forgot, h_forgot = _run(lstm, xs, True)
    numpy.testing.assert_array_equal(h_forgot, h_plain)
    for name in plain:
        numpy.testing.assert_allclose(forgot[name], plain[name], rtol=1e-5, err_msg=name)


def test_forget_over_whole_sequence_with_reset_inside():
    lstm = LSTM(3, 4)
    xs = _xs(3)

    def sequence(*xs):
        lstm.reset_state()
        total = 0
        for x in xs:
            total = total + F.sum(lstm(x) ** 2)
        return total

    lstm.cleargrads()
    sequence(*xs).backward()
    plain = {n: p.grad.copy() for n, p in lstm.namedparams()}
    h_plain = lstm.h.array.copy()
    lstm.cleargrads()
    F.forget(sequence, *xs).backward()
    numpy.testing.assert_array_equal(lstm.h.array, h_plain)
    for name, g in plain.items():
        numpy.testing.assert_allclose(dict(lstm.namedparams())[name].grad, g, rtol=1e-5)


def test_forget_leaves_the_random_stream_as_the_plain_run():
    # Dropout after LSTM steps draws the same masks with and without forget.
    def run(use_forget):
        rechain.random.seed(4)
        numpy.random.seed(4)
        lstm = LSTM(3, 2)
        loss = 0
        for x in _xs(3):
            step = (lambda v: F.dropout(lstm(v), 0.5))
            y = F.forget(step, x) if use_forget else step(x)
            loss = loss + F.sum(y * y)
        loss.backward()
        return float(loss.array), lstm.upward.W.grad, rechain.random.get_state()

    plain, forgot = run(False), run(True)
    assert forgot[0] == plain[0]
    numpy.testing.assert_array_equal(forgot[1], plain[1])
    assert forgot[2] == plain[2]


def test_states_are_freed_with_the_graph():
    lstm = LSTM(3, 2)
    loss = 0
    for x in _xs(3):
        loss = loss + F.sum(F.forget(lstm, x))
    ref = weakref.ref(lstm.c.creator)
    del loss
    lstm.reset_state()
    assert ref() is None  # no reference cycle through the kept states


def test_plain_calls_draw_no_random_numbers():
    lstm = LSTM(3, 2)
    state = rechain.random.get_state()
    lstm(_xs(1)[0])
    assert rechain.random.get_state() == state


def test_recomputing_flag_does_not_advance_state():
    lstm = LSTM(3, 2)
    lstm(_xs(1)[0])
    h = lstm.h
    with rechain.using_config("in_recomputing", True):
        y = lstm(_xs(1)[0])
        lstm.reset_state()
    assert lstm.h is h and y.shape == (2, 2)


@pytest.mark.gpu
def test_gpu_steps_and_forget():
    cupy = rechain.backend.cupy
    lstm = LSTM(3, 4)
    xs = _xs(3)
    plain, h_plain = _run(lstm, xs, False)
    lstm.to_gpu()
    gxs = [cupy.asarray(x) for x in xs]
    forgot, h_forgot = _run(lstm, gxs, True)
    assert isinstance(lstm.h.array, cupy.ndarray)
    numpy.testing.assert_allclose(cupy.asnumpy(h_forgot), h_plain, rtol=1e-5, atol=1e-6)
    for name in plain:
        numpy.testing.assert_allclose(cupy.asnumpy(forgot[name]), plain[name], rtol=1e-4,
                                      atol=1e-6, err_msg=name)




def test_forget_over_steps_where_the_batch_shrinks():
    """A replay runs the state's split and concat ops as the forward pass did
    (they used to be skipped, and the region's record check failed)."""
    rechain.random.seed(0)
    lstm = LSTM(3, 4)
    x = numpy.random.default_rng(0).normal(size=(2, 3)).astype(numpy.float32)

    def two_steps(x):
        lstm.reset_state()
        a = lstm(x)
        b = lstm(x[:1])      # batch 1: the state is split, then re-concatenated
        return F.sum(a) + F.sum(b * b)

    F.forget(two_steps, x).backward()
    got = [p.grad.copy() for p in lstm.params()]
    lstm.cleargrads()
    two_steps(x).backward()
    for a, b in zip(got, (p.grad for p in lstm.params())):
        numpy.testing.assert_array_equal(a, b)

"""StatelessLSTM, MGUs, peephole and zoneout LSTMs, Tree-LSTMs against NumPy."""

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import gradient_check, serializers
from rechain.utils.type_check import InvalidType


def _sig(v):
    return 1 / (1 + numpy.exp(-v))


def _lin(link, x):
    out = x @ link.W.array.T
    return out if link.b is None else out + link.b.array


def _make(cls, *args, seed=0, **kwargs):
    with rechain.using_config("dtype", numpy.dtype(numpy.float64)):
        link = cls(*args, **kwargs)
    rng = numpy.random.default_rng(seed)
    for p in link.params():
        p.array[...] = rng.uniform(-0.7, 0.7, p.shape)
    return link


def _xs(n=3, batch=2, size=3, seed=1):
    rng = numpy.random.default_rng(seed)
    return [rng.uniform(-1, 1, (batch, size)) for _ in range(n)]


def _gates4(z):
    """Chainer's interleaved gates: unit u's gate k is column 4u + k."""
    return [z[:, k::4] for k in range(4)]


def _run_states(link, xs, wrap=False):
    link.reset_state()
    link.cleargrads()
    vs = [rechain.Variable(x.copy()) for x in xs]
    loss = 0
    for v in vs:
        h = F.forget(link, v) if wrap else link(v)
        loss = loss + F.sum(h * h)
    loss.backward()
    return ([link.h.array.copy(), loss.array] + [v.grad for v in vs]
            + [p.grad.copy() for _, p in sorted(link.namedparams())])


def _assert_forget_matches(make, xs, seed=None):
    results = []
    for wrap in (False, True):
        if seed is not None:
            rechain.random.seed(seed)
        results.append(_run_states(make(), xs, wrap))
    for a, b in zip(*results):
        numpy.testing.assert_array_equal(a, b)


# -- StatelessLSTM ---------------------------------------------------------------------

def _lstm_ref(link, c, h, x):
    z = _lin(link.upward, x)
    if h is not None:
        z = z + _lin(link.lateral, h)
    a, i, f, o = _gates4(z)
    c = numpy.zeros_like(a) if c is None else c
    c_new = numpy.tanh(a) * _sig(i) + _sig(f) * c
    return c_new, _sig(o) * numpy.tanh(c_new)


def test_stateless_lstm_matches_numpy_and_the_stateful_lstm():
    link = _make(L.StatelessLSTM, 3, 4)
    stateful = _make(L.LSTM, 3, 4)
    stateful.copyparams(link)
    c = h = None
    for x in _xs(3):
        ec, eh = _lstm_ref(link, None if c is None else c.array, None if h is None else h.array,
                           x)
        c, h = link(c, h, x)
        numpy.testing.assert_allclose(c.array, ec, rtol=1e-12)
        numpy.testing.assert_allclose(h.array, eh, rtol=1e-12)
        numpy.testing.assert_allclose(stateful(x).array, h.array, rtol=1e-12)


def test_stateless_lstm_initialisation_and_lazy_size():
    link = L.StatelessLSTM(3, 5)
    b = link.upward.b.array.reshape(5, 4)
    numpy.testing.assert_array_equal(b[:, 2], 1)   # forget gate bias
    numpy.testing.assert_array_equal(b[:, [0, 1, 3]], 0)
    lazy = L.StatelessLSTM(5)
    c, h = lazy(None, None, numpy.ones((2, 3, 2), numpy.float32))
    assert lazy.upward.W.shape == (20, 6) and h.shape == (2, 5) and c.dtype == numpy.float32
    assert sorted(n for n, _ in lazy.namedparams()) == ["/lateral/W", "/upward/W",
                                                        "/upward/b"]


def test_stateless_lstm_gradients():
    link = _make(L.StatelessLSTM, 3, 2)
    rng = numpy.random.default_rng(3)
    c, h, x = rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 3))
    gys = (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)))
    gradient_check.check_backward(link, (c, h, x), gys, params=tuple(link.params()), seed=0)


def test_stateless_lstm_bad_state_shape():
    link = L.StatelessLSTM(3, 4)
    x = numpy.ones((2, 3), numpy.float32)
    with pytest.raises(InvalidType, match=r"StatelessLSTM: h must have shape \(2, 4\) for x "
                                          r"\(2, 3\), got \(3, 4\)"):
        link(None, numpy.zeros((3, 4), numpy.float32), x)
    with pytest.raises(InvalidType, match="StatelessLSTM: x must have a batch axis"):
        link(None, None, numpy.ones(3, numpy.float32))


# -- MGU --------------------------------------------------------------------------------

def _mgu_ref(link, h, x):
    f = _sig(_lin(link.W_f, numpy.concatenate([h, x], axis=1)))
    h_bar = numpy.tanh(_lin(link.W_h, numpy.concatenate([f * h, x], axis=1)))
    return f * h_bar + (1 - f) * h


def test_stateless_mgu_matches_numpy_and_has_chainers_parameters():
    link = _make(L.StatelessMGU, 3, 4)
    h = numpy.random.default_rng(2).uniform(-1, 1, (2, 4))
    x = _xs(1)[0]
    numpy.testing.assert_allclose(link(h, x).array, _mgu_ref(link, h, x), rtol=1e-12)
    assert {n: p.shape for n, p in link.namedparams()} == {
        "/W_f/W": (4, 7), "/W_f/b": (4,), "/W_h/W": (4, 7), "/W_h/b": (4,)}


def test_stateful_mgu_sequence_state_and_reset():
    link = _make(L.StatefulMGU, 3, 4)
    h = numpy.zeros((2, 4))
    for x in _xs(3):
        h = _mgu_ref(link, h, x)
        y = link(x)
        numpy.testing.assert_allclose(y.array, h, rtol=1e-12)
    assert link.h is y
    link.reset_state()
    assert link.h is None
    link.set_state(numpy.ones((2, 4)))
    x = _xs(1)[0]
    numpy.testing.assert_allclose(link(x).array, _mgu_ref(link, numpy.ones((2, 4)), x),
                                  rtol=1e-12)


def test_mgu_gradients_and_forget():
    link = _make(L.StatelessMGU, 3, 2)
    rng = numpy.random.default_rng(4)
    h, x = rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 3))
    gradient_check.check_backward(link, (h, x), rng.normal(size=(2, 2)),
                                  params=tuple(link.params()), seed=0)
    _assert_forget_matches(lambda: _make(L.StatefulMGU, 3, 4), _xs(4))


def test_mgu_bad_input():
    link = L.StatefulMGU(3, 4)
    with pytest.raises(InvalidType, match=r"StatefulMGU: x must have shape \(batch, 3\), got "
                                          r"\(2, 5\)"):
        link(numpy.ones((2, 5), numpy.float32))
    link(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r"batch size of x \(3, 3\) must equal that of the "
                                          r"state \(2, 4\)"):
        link(numpy.ones((3, 3), numpy.float32))
    with pytest.raises(InvalidType, match=r"set_state: h must have shape \(batch, 4\)"):
        link.set_state(numpy.ones((2, 3)))


# -- peephole LSTM --------------------------------------------------------------------

def test_peephole_matches_numpy_over_a_sequence():
    link = _make(L.StatefulPeepholeLSTM, 3, 4)
    c = numpy.zeros((2, 4))
    h = None
    for x in _xs(3):
        z = _lin(link.upward, x) + (0 if h is None else _lin(link.lateral, h))
        a, i, f, o = _gates4(z)
        i = _sig(i + _lin(link.peep_i, c))
        f = _sig(f + _lin(link.peep_f, c))
        c = numpy.tanh(a) * i + f * c
        h = _sig(o + _lin(link.peep_o, c)) * numpy.tanh(c)
        y = link(x)
        numpy.testing.assert_allclose(y.array, h, rtol=1e-12)
        numpy.testing.assert_allclose(link.c.array, c, rtol=1e-12)
    assert sorted(n for n, _ in link.namedparams()) == [
        "/lateral/W", "/peep_f/W", "/peep_i/W", "/peep_o/W", "/upward/W", "/upward/b"]


def test_peephole_forget_and_state():
    _assert_forget_matches(lambda: _make(L.StatefulPeepholeLSTM, 3, 4), _xs(3))
    link = L.StatefulPeepholeLSTM(3, 4)
    with pytest.raises(TypeError, match="set_state: takes c, h"):
        link.set_state(numpy.zeros((2, 4)))


# -- zoneout LSTM ---------------------------------------------------------------------

def _zoneout_parts(link, c, h, x):
    z = _lin(link.upward, x) + _lin(link.lateral, h)
    a, i, f, o = _gates4(z)
    c_tmp = numpy.tanh(a) * _sig(i) + _sig(f) * c
    return c_tmp, _sig(o) * numpy.tanh(c_tmp)


def test_zoneout_lstm_in_test_mode_is_the_plain_lstm():
    link = _make(L.StatefulZoneoutLSTM, 3, 4, c_ratio=0.5, h_ratio=0.5)
    c = h = numpy.zeros((2, 4))
    with rechain.using_config("train", False):
        for x in _xs(3):
            c, h = _zoneout_parts(link, c, h, x)
            numpy.testing.assert_allclose(link(x).array, h, rtol=1e-12)


@pytest.mark.parametrize("ratio", [0.0, 1.0])
def test_zoneout_lstm_extreme_ratios(ratio):
    link = _make(L.StatefulZoneoutLSTM, 3, 4, c_ratio=ratio, h_ratio=ratio)
    c = h = numpy.zeros((2, 4))
    for x in _xs(3):
        if ratio == 0:
            c, h = _zoneout_parts(link, c, h, x)
        y = link(x)
        numpy.testing.assert_allclose(y.array, h, rtol=1e-12)
        numpy.testing.assert_allclose(link.c.array, c, rtol=1e-12)


def test_zoneout_lstm_keeps_each_unit_old_or_new():
    rechain.random.seed(0)
    link = _make(L.StatefulZoneoutLSTM, 3, 50, c_ratio=0.3, h_ratio=0.6)
    x0, x1 = _xs(2, batch=8)
    link(x0)
    c_old, h_old = link.c.array.copy(), link.h.array.copy()
    c_tmp, h_new = _zoneout_parts(link, c_old, h_old, x1)
    link(x1)
    kept_c = numpy.isclose(link.c.array, c_old, rtol=0, atol=1e-14)
    kept_h = numpy.isclose(link.h.array, h_old, rtol=0, atol=1e-14)
    numpy.testing.assert_allclose(link.c.array[~kept_c], c_tmp[~kept_c], rtol=1e-12)
    numpy.testing.assert_allclose(link.h.array[~kept_h], h_new[~kept_h], rtol=1e-12)
    assert abs(kept_c.mean() - 0.3) < 0.06 and abs(kept_h.mean() - 0.6) < 0.06


def test_zoneout_lstm_forget_replays_the_masks():
    _assert_forget_matches(lambda: _make(L.StatefulZoneoutLSTM, 3, 4, c_ratio=0.4,
                                         h_ratio=0.4), _xs(3), seed=5)


def test_zoneout_lstm_bad_arguments():
    with pytest.raises(TypeError, match="train argument is not supported"):
        L.StatefulZoneoutLSTM(3, 4, train=True)
    with pytest.raises(ValueError, match=r"c_ratio must be in \[0, 1\], got 1.5"):
        L.StatefulZoneoutLSTM(3, 4, c_ratio=1.5)


# -- Tree-LSTMs -----------------------------------------------------------------------

def _tree_cell(gates, cs, units):
    blocks = [gates[:, k * units:(k + 1) * units] for k in range(gates.shape[1] // units)]
    a, i, o = blocks[:3]
    c = numpy.tanh(a) * _sig(i)
    for f, ck in zip(blocks[3:], cs):
        c = c + _sig(f) * ck
    return c, _sig(o) * numpy.tanh(c)


def _childsum_ref(link, cs, hs, x):
    s = link.state_size
    wx = _lin(link.W_x, x)
    aio = wx[:, :3 * s] + _lin(link.W_h_aio, sum(hs))
    fs = [wx[:, 3 * s:] + _lin(link.W_h_f, h) for h in hs]
    return _tree_cell(numpy.concatenate([aio] + fs, axis=1), cs, s)


def _states(n, batch=2, units=4, seed=7):
    rng = numpy.random.default_rng(seed)
    return [rng.uniform(-1, 1, (batch, units)) for _ in range(n)]


def test_child_sum_matches_numpy_and_ignores_child_order():
    link = _make(L.ChildSumTreeLSTM, 3, 4)
    c1, c2, c3, h1, h2, h3 = _states(6)
    x = _xs(1)[0]
    c, h = link(c1, c2, c3, h1, h2, h3, x)
    ec, eh = _childsum_ref(link, [c1, c2, c3], [h1, h2, h3], x)
    numpy.testing.assert_allclose(c.array, ec, rtol=1e-12)
    numpy.testing.assert_allclose(h.array, eh, rtol=1e-12)
    c_swapped, h_swapped = link(c3, c1, c2, h3, h1, h2, x)
    numpy.testing.assert_allclose(h_swapped.array, h.array, rtol=1e-12)
    assert {n: p.shape for n, p in link.namedparams()} == {
        "/W_x/W": (16, 3), "/W_x/b": (16,), "/W_h_aio/W": (12, 4), "/W_h_f/W": (4, 4)}


def test_child_sum_leaf_none_children_and_none_input():
    link = _make(L.ChildSumTreeLSTM, 3, 4)
    x = _xs(1)[0]
    c, h = link(x)
    wx = _lin(link.W_x, x)
    ec = _sig(wx[:, 4:8]) * numpy.tanh(wx[:, :4])
    numpy.testing.assert_allclose(c.array, ec, rtol=1e-12)
    numpy.testing.assert_allclose(h.array, _sig(wx[:, 8:12]) * numpy.tanh(ec), rtol=1e-12)
    c1, h1 = _states(2)
    zeros = numpy.zeros((2, 4))
    numpy.testing.assert_allclose(link(c1, None, h1, zeros, x)[1].array,
                                  link(c1, zeros, h1, zeros, x)[1].array, rtol=1e-12)
    numpy.testing.assert_allclose(link(c1, h1, None)[1].array,
                                  link(c1, h1, numpy.zeros((2, 3)))[1].array, rtol=1e-12)
    with pytest.raises(ValueError, match="all inputs .* are None"):
        link(None, None, None)
    with pytest.raises(TypeError, match="an odd number of arguments"):
        link(c1, h1)


def test_nary_matches_numpy_and_depends_on_child_order():
    link = _make(L.NaryTreeLSTM, 3, 4, n_ary=2)
    c1, c2, h1, h2 = _states(4)
    x = _xs(1)[0]
    z = _lin(link.W_x, x) + _lin(link.W_h1, h1) + _lin(link.W_h2, h2)
    ec, eh = _tree_cell(z, [c1, c2], 4)
    c, h = link(c1, c2, h1, h2, x)
    numpy.testing.assert_allclose(c.array, ec, rtol=1e-12)
    numpy.testing.assert_allclose(h.array, eh, rtol=1e-12)
    assert not numpy.allclose(link(c2, c1, h2, h1, x)[1].array, h.array)
    z1 = _lin(link.W_x, x) + _lin(link.W_h1, h1)
    numpy.testing.assert_allclose(link(c1, None, h1, None, x)[1].array,
                                  _tree_cell(z1, [c1, numpy.zeros((2, 4))], 4)[1], rtol=1e-12)
    with pytest.raises(TypeError, match="takes 2 cells, 2 outputs and x"):
        link(c1, h1, x)
    with pytest.raises(ValueError, match="n_ary must be an int >= 1"):
        L.NaryTreeLSTM(3, 4, n_ary=0)


def test_tree_lstm_gradients_and_bad_shape():
    link = _make(L.NaryTreeLSTM, 3, 2, n_ary=2)
    args = tuple(_states(4, units=2)) + (_xs(1)[0],)
    rng = numpy.random.default_rng(9)
    gys = (rng.normal(size=(2, 2)), rng.normal(size=(2, 2)))
    gradient_check.check_backward(link, args, gys, params=tuple(link.params()), seed=0)
    cs_link = _make(L.ChildSumTreeLSTM, 3, 2)
    gradient_check.check_backward(cs_link, args, gys, params=tuple(cs_link.params()), seed=1)
    with pytest.raises(InvalidType, match=r"ChildSumTreeLSTM: h2 must have shape \(2, 2\), "
                                          r"got \(2, 3\)"):
        cs_link(args[0], args[1], args[2], numpy.zeros((2, 3)), args[4])


def test_tree_lstm_npz_round_trip(tmp_path):
    link = _make(L.NaryTreeLSTM, 3, 4, n_ary=3)
    serializers.save_npz(tmp_path / "t.npz", link)
    other = _make(L.NaryTreeLSTM, 3, 4, n_ary=3, seed=5)
    serializers.load_npz(tmp_path / "t.npz", other)
    for (n, p), (m, q) in zip(sorted(link.namedparams()), sorted(other.namedparams())):
        assert n == m
        numpy.testing.assert_array_equal(p.array, q.array)

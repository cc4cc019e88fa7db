"""F.slstm and F.tree_lstm against NumPy, gradients of both orders, forget, bad input."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float64: (dict(atol=1e-5, rtol=1e-4), dict(atol=1e-4, rtol=1e-3)),
       numpy.float32: (dict(atol=1e-2, rtol=1e-2), dict(atol=1e-2, rtol=1e-2))}


def _sig(v):
    return 1 / (1 + numpy.exp(-v))


def _slstm_ref(c1, c2, x1, x2):
    """Unit u's gate k is column 4u + k, gates (a, i, f, o)."""
    c1, c2, x1, x2 = (v.astype(numpy.float64) for v in (c1, c2, x1, x2))
    g1 = [x1[:, k::4] for k in range(4)]
    g2 = [x2[:, k::4] for k in range(4)]
    c = (numpy.tanh(g1[0]) * _sig(g1[1]) + numpy.tanh(g2[0]) * _sig(g2[1])
         + _sig(g1[2]) * c1 + _sig(g2[2]) * c2)
    h = _sig(g1[3] + g2[3]) * numpy.tanh(c)
    return c, h


def _tree_ref(*inputs):
    """Gates are blocks of ``units`` columns: a, i, o, f_1 .. f_N."""
    cs = [c.astype(numpy.float64) for c in inputs[:-1]]
    x = inputs[-1].astype(numpy.float64)
    u = cs[0].shape[1]
    block = [x[:, k * u:(k + 1) * u] for k in range(3 + len(cs))]
    c = numpy.tanh(block[0]) * _sig(block[1])
    for f, ck in zip(block[3:], cs):
        c = c + _sig(f) * ck
    return c, _sig(block[2]) * numpy.tanh(c)


def _slstm_data(dtype, rng, shape=(3, 2)):
    B, U = shape[:2]
    rest = tuple(shape[2:])
    c = [rng.uniform(-1, 1, (B, U) + rest).astype(dtype) for _ in range(2)]
    x = [rng.uniform(-2, 2, (B, 4 * U) + rest).astype(dtype) for _ in range(2)]
    return c + x


def _tree_data(n, dtype, rng, B=3, U=2):
    cs = [rng.uniform(-1, 1, (B, U)).astype(dtype) for _ in range(n)]
    return cs + [rng.uniform(-2, 2, (B, (3 + n) * U)).astype(dtype)]


def _check_grads(func, xs, dtype, seed=0):
    rng = numpy.random.default_rng([seed, 17])
    ys = func(*[rechain.Variable(x.copy()) for x in xs])
    gys = tuple(rng.normal(size=y.shape).astype(dtype) for y in ys)
    ggxs = tuple(rng.normal(size=x.shape).astype(dtype) for x in xs)
    first, second = TOL[dtype]
    gradient_check.check_backward(func, tuple(xs), gys, seed=seed, **first)
    gradient_check.check_double_backward(func, tuple(xs), gys, ggxs, seed=seed, **second)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_slstm_matches_numpy(dtype):
    xs = _slstm_data(dtype, numpy.random.default_rng(0))
    c, h = F.slstm(*xs)
    ec, eh = _slstm_ref(*xs)
    tol = 1e-6 if dtype == numpy.float32 else 1e-12
    numpy.testing.assert_allclose(c.array, ec, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(h.array, eh, rtol=tol, atol=tol)
    assert c.dtype == dtype and h.dtype == dtype


def test_slstm_with_trailing_axes_matches_numpy():
    xs = _slstm_data(numpy.float64, numpy.random.default_rng(1), shape=(2, 3, 2))
    c, h = F.slstm(*xs)
    for k in range(2):
        ec, eh = _slstm_ref(*(v[..., k] for v in xs))
        numpy.testing.assert_allclose(c.array[..., k], ec, rtol=1e-12)
        numpy.testing.assert_allclose(h.array[..., k], eh, rtol=1e-12)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_slstm_gradients(dtype):
    _check_grads(F.slstm, _slstm_data(dtype, numpy.random.default_rng(2)), dtype)


@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_tree_lstm_matches_numpy(n, dtype):
    xs = _tree_data(n, dtype, numpy.random.default_rng(3))
    c, h = F.tree_lstm(*xs)
    ec, eh = _tree_ref(*xs)
    tol = 1e-6 if dtype == numpy.float32 else 1e-12
    numpy.testing.assert_allclose(c.array, ec, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(h.array, eh, rtol=tol, atol=tol)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_tree_lstm_gradients(n, dtype):
    _check_grads(F.tree_lstm, _tree_data(n, dtype, numpy.random.default_rng(4 + n)), dtype)


@pytest.mark.parametrize("func,make", [
    (F.slstm, lambda rng: _slstm_data(numpy.float64, rng)),
    (F.tree_lstm, lambda rng: _tree_data(2, numpy.float64, rng))])
def test_forget_gives_plain_outputs_and_gradients(func, make):
    data = make(numpy.random.default_rng(6))
    out = []
    for use in (False, True):
        vs = [rechain.Variable(d.copy()) for d in data]
        f = lambda *a: func(*a)[1] * 2  # noqa: E731
        h = F.forget(f, *vs) if use else f(*vs)
        F.sum(h * h).backward()
        out.append([h.array] + [v.grad for v in vs])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_slstm_bad_input():
    c, c2, x, x2 = _slstm_data(numpy.float32, numpy.random.default_rng(7))
    with pytest.raises(type_check.InvalidType,
                       match="slstm: c_prev1 and x2 must have the same dtype, got float32 "
                             "and float64"):
        F.slstm(c, c2, x, x2.astype(numpy.float64))
    with pytest.raises(type_check.InvalidType,
                       match=r"slstm: x1 and x2 must have the same shape, got \(3, 8\) and "
                             r"\(3, 4\)"):
        F.slstm(c, c2, x, x2[:, :4])
    with pytest.raises(type_check.InvalidType,
                       match=r"slstm: x1 must have shape \(batch, 4 \* units, ...\), got "
                             r"\(3, 6\)"):
        F.slstm(c, c2, x[:, :6], x2[:, :6])
    with pytest.raises(type_check.InvalidType,
                       match=r"slstm: c_prev1 must have shape \(3, 2\) to match x1 \(3, 8\), "
                             r"got \(3, 3\)"):
        F.slstm(numpy.zeros((3, 3), numpy.float32), numpy.zeros((3, 3), numpy.float32), x, x2)
    with pytest.raises(type_check.InvalidType, match="slstm: x1 must have a floating"):
        F.slstm(c, c2, x.astype(numpy.int32), x2)


def test_tree_lstm_bad_input():
    c1, c2, x = _tree_data(2, numpy.float32, numpy.random.default_rng(8))
    with pytest.raises(TypeError, match="tree_lstm: needs at least one cell and x"):
        F.tree_lstm(x)
    with pytest.raises(type_check.InvalidType,
                       match=r"tree_lstm: with 2 children x must have shape \(batch, 5 \* "
                             r"units, ...\), got \(3, 8\)"):
        F.tree_lstm(c1, c2, x[:, :8])
    with pytest.raises(type_check.InvalidType,
                       match=r"tree_lstm: c2 must have shape \(3, 2\) to match x \(3, 10\), "
                             r"got \(2, 2\)"):
        F.tree_lstm(c1, c2[:2], x)
    with pytest.raises(type_check.InvalidType,
                       match="tree_lstm: c1 and x must have the same dtype, got float64 "
                             "and float32"):
        F.tree_lstm(c1.astype(numpy.float64), c2, x)

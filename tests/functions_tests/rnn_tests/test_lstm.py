import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import function_node
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}

# (c_prev shape, x shape)
CASES = [((3, 2), (3, 8)), ((1, 1), (1, 4)), ((2, 3, 2), (2, 12, 2)), ((4, 2), (2, 8)),
         ((3, 2), (0, 8))]


def _sig(v):
    return 1 / (1 + numpy.exp(-v))


def _ref(c_prev, x):
    """Gate k of unit u is column 4 * u + k: (a, i, f, o)."""
    c_prev = c_prev.astype(numpy.float64)
    x = x.astype(numpy.float64)
    n = x.shape[0]
    u = c_prev.shape[1]
    a = numpy.tanh(x[:, 0::4])
    i = _sig(x[:, 1::4])
    f = _sig(x[:, 2::4])
    o = _sig(x[:, 3::4])
    assert a.shape[1] == u
    c = c_prev.copy()
    c[:n] = a * i + f * c_prev[:n]
    h = o * numpy.tanh(c[:n])
    return c, h


def _data(cs, xs, dtype, rng):
    return rng.uniform(-1, 1, cs).astype(dtype), rng.uniform(-2, 2, xs).astype(dtype)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("cs,xs", CASES)
def test_forward(cs, xs, dtype):
    c_prev, x = _data(cs, xs, dtype, numpy.random.default_rng(0))
    c, h = F.lstm(c_prev, x)
    rc, rh = _ref(c_prev, x)
    assert c.dtype == dtype and h.dtype == dtype
    assert c.shape == cs and h.shape == (xs[0],) + cs[1:]
    numpy.testing.assert_allclose(c.array, rc, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(h.array, rh, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("cs,xs", CASES)
@pytest.mark.parametrize("outputs", ["both", "c", "h"])
def test_backward(cs, xs, dtype, outputs):
    rng = numpy.random.default_rng(1)
    c_prev, x = _data(cs, xs, dtype, rng)
    gc = rng.uniform(-1, 1, cs).astype(dtype)
    gh = rng.uniform(-1, 1, (xs[0],) + cs[1:]).astype(dtype)

    def f(cp, x_):
        c, h = F.lstm(cp, x_)
        return {"both": (c, h), "c": (c,), "h": (h,)}[outputs]

    gys = {"both": (gc, gh), "c": (gc,), "h": (gh,)}[outputs]
    gradient_check.check_backward(f, (c_prev, x), gys, seed=0, **TOL[dtype])


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("cs,xs", CASES)
@pytest.mark.parametrize("outputs", ["both", "h"])
def test_double_backward(cs, xs, dtype, outputs):
    rng = numpy.random.default_rng(2)
    c_prev, x = _data(cs, xs, dtype, rng)
    gc = rng.uniform(-1, 1, cs).astype(dtype)
    gh = rng.uniform(-1, 1, (xs[0],) + cs[1:]).astype(dtype)
    ggs = (rng.uniform(-1, 1, cs).astype(dtype), rng.uniform(-1, 1, xs).astype(dtype))

    def f(cp, x_):
        c, h = F.lstm(cp, x_)
        return (c, h) if outputs == "both" else (h,)

    gys = (gc, gh) if outputs == "both" else (gh,)
    gradient_check.check_double_backward(f, (c_prev, x), gys, ggs, seed=0, **TOL[dtype])


def test_gradient_values():
    rng = numpy.random.default_rng(3)
    c_prev, x = _data((2, 3), (2, 12), numpy.float64, rng)
    cv, xv = rechain.Variable(c_prev), rechain.Variable(x)
    c, h = F.lstm(cv, xv)
    gh = rng.uniform(-1, 1, h.shape)
    F.sum(h * gh).backward()
    f = _sig(x[:, 2::4])
    tc = numpy.tanh(c.array)
    o = _sig(x[:, 3::4])
    numpy.testing.assert_allclose(cv.grad, gh * o * (1 - tc ** 2) * f, rtol=1e-10)
    numpy.testing.assert_allclose(xv.grad[:, 3::4], gh * tc * o * (1 - o), rtol=1e-10)


def test_retains_only_inputs():
    c_prev, x = _data((2, 3), (2, 12), numpy.float32, numpy.random.default_rng(4))
    c, h = F.lstm(rechain.Variable(c_prev), rechain.Variable(x))
    assert c.creator is h.creator
    kept = [(kind, i) for kind, i, _ in function_node.retained_arrays(c.creator)]
    assert kept == [("input", 0), ("input", 1)]


def test_bad_x_not_divisible_by_4():
    with pytest.raises(type_check.InvalidType,
                       match=r"lstm: x \(3, 10\) has 10 columns, which is not a multiple of 4"):
        F.lstm(numpy.zeros((3, 2), numpy.float32), numpy.zeros((3, 10), numpy.float32))


def test_bad_units_mismatch():
    with pytest.raises(type_check.InvalidType,
                       match=r"lstm: c_prev \(3, 4\) does not match x \(3, 12\): expected "
                             r"c_prev of shape \(batch, 3\)"):
        F.lstm(numpy.zeros((3, 4), numpy.float32), numpy.zeros((3, 12), numpy.float32))


def test_bad_batch_larger_than_c_prev():
    with pytest.raises(type_check.InvalidType,
                       match=r"lstm: x \(5, 12\) has batch size 5, larger than the batch size "
                             r"3 of c_prev \(3, 3\)"):
        F.lstm(numpy.zeros((3, 3), numpy.float32), numpy.zeros((5, 12), numpy.float32))


def test_bad_dtype_mix():
    with pytest.raises(type_check.InvalidType,
                       match=r"lstm: c_prev and x must have the same dtype.*float64.*float32"):
        F.lstm(numpy.zeros((3, 3), numpy.float64), numpy.zeros((3, 12), numpy.float32))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    c_prev, x = _data((4, 2), (2, 8), numpy.float32, numpy.random.default_rng(5))
    xv = rechain.Variable(cp.asarray(x))
    c, h = F.lstm(cp.asarray(c_prev), xv)
    rc, rh = _ref(c_prev, x)
    numpy.testing.assert_allclose(cp.asnumpy(c.array), rc, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(cp.asnumpy(h.array), rh, rtol=1e-5, atol=1e-6)
    F.sum(h).backward()
    assert xv.grad.shape == x.shape


@pytest.mark.parametrize("cs,xs", CASES)
@pytest.mark.parametrize("outputs", ["both", "c", "h"])
def test_differentiable_backward_gives_the_same_gradients(cs, xs, outputs):
    """The Variable formulas (double backprop) equal the array formulas (plain)."""
    rng = numpy.random.default_rng(6)
    c_prev, x = _data(cs, xs, numpy.float64, rng)
    gc = rng.uniform(-1, 1, cs)
    gh = rng.uniform(-1, 1, (xs[0],) + cs[1:])

    def grads(double):
        cv, xv = rechain.Variable(c_prev), rechain.Variable(x)
        c, h = F.lstm(cv, xv)
        outs, gys = [], []
        if outputs != "h":
            outs.append(c)
            gys.append(rechain.Variable(gc))
        if outputs != "c":
            outs.append(h)
            gys.append(rechain.Variable(gh))
        return [g.array for g in rechain.grad(outs, [cv, xv], gys,
                                              enable_double_backprop=double)]

    for a, b in zip(grads(False), grads(True)):
        numpy.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- LSTMGrad: Chainer's gradient function, called directly ---------------------------

def _grad_data(cs, xs, rng):
    c_prev, x = _data(cs, xs, numpy.float64, rng)
    c_next = rng.uniform(-1, 1, cs)
    gc = rng.uniform(-1, 1, cs)
    gh = rng.uniform(-1, 1, (xs[0],) + cs[1:])
    return c_prev, x, c_next, gc, gh


def test_module_and_function_layout():
    import types
    assert isinstance(F.rnn.lstm, types.ModuleType)
    assert F.lstm is F.rnn.lstm.lstm and callable(F.rnn.lstm.LSTMGrad)


@pytest.mark.parametrize("cs,xs", CASES)
@pytest.mark.parametrize("given", [(True, True), (True, False), (False, True)])
def test_lstm_grad_equals_the_gradient_of_lstm(cs, xs, given):
    rng = numpy.random.default_rng(7)
    c_prev, x, _, gc, gh = _grad_data(cs, xs, rng)
    gc = gc if given[0] else None
    gh = gh if given[1] else None
    cv, xv = rechain.Variable(c_prev), rechain.Variable(x)
    c, h = F.lstm(cv, xv)
    outs, gys = zip(*[(o, g) for o, g in ((c, gc), (h, gh)) if g is not None])
    want = rechain.grad(list(outs), [cv, xv], [rechain.Variable(g) for g in gys])
    got = F.rnn.lstm.LSTMGrad()(c_prev, x, c.array, gc, gh)
    for a, b in zip(got, want):
        assert a.shape == b.shape
        numpy.testing.assert_allclose(a.array, b.array, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cs,xs", CASES)
def test_lstm_grad_gradient_checks(cs, xs):
    rng = numpy.random.default_rng(8)
    inputs = _grad_data(cs, xs, rng)
    gys = (rng.uniform(-1, 1, cs), rng.uniform(-1, 1, xs))
    ggs = tuple(rng.uniform(-1, 1, a.shape) for a in inputs)
    f = F.rnn.lstm.LSTMGrad()
    gradient_check.check_backward(f, inputs, gys, seed=0, atol=1e-5, rtol=1e-4)
    gradient_check.check_double_backward(f, inputs, gys, ggs, seed=0, atol=1e-5, rtol=1e-4)


def test_lstm_grad_under_forget_equals_plain():
    rng = numpy.random.default_rng(9)
    data = _grad_data((4, 2), (2, 8), rng)
    results = []
    for forget in (False, True):
        vs = [rechain.Variable(a.copy()) for a in data]
        f = F.rnn.lstm.LSTMGrad()
        outs = F.forget(f, *vs) if forget else f(*vs)
        F.sum(outs[0] * outs[0] + F.sum(outs[1] ** 3)).backward()
        results.append([o.array for o in outs] + [v.grad for v in vs])
    for a, b in zip(*results):
        numpy.testing.assert_array_equal(a, b)

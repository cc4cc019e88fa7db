"""F.forget: one or more tests per row of DESIGN.md §3 (F1-F17; F18 is a benchmark).

Each test compares with the plain call (values and gradients elementwise),
counts calls, or measures bytes with tracemalloc.
"""

import gc
import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import backend
from rechain.recompute import RecomputeError

S = 1 << 16  # elements of the "big" arrays in memory tests (256 KiB in float32)


def _var(shape, seed=0, dtype=numpy.float32, **kw):
    rng = numpy.random.default_rng(seed)
    return rechain.Variable(rng.uniform(-1, 1, shape).astype(dtype), **kw)


def _pair(fn, *arrays):
    """Run ``fn(call)`` once with call=plain and once with call=forget; return both."""
    out = []
    for mode in ("plain", "forget"):
        def call(func, *xs, **kw):
            return func(*xs, **kw) if mode == "plain" else F.forget(func, *xs, **kw)
        out.append(fn(call))
    return out


def _traced(fn):
    """Bytes still allocated after ``fn()`` (with its result alive), and the result."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        gc.collect()
        now = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return now - base, result


# -- F1: only the inputs are kept --------------------------------------------------

def test_f1_doc_example_drops_x_plus_y():
    x = _var(S, 1)
    y = _var(S, 2)
    nbytes = x.array.nbytes

    def f(a, b):
        return (a + b) * a

    plain, z_plain = _traced(lambda: f(x, y))
    forgot, z = _traced(lambda: F.forget(f, x, y))
    # plain keeps the output and x + y; forget keeps the output only.
    assert plain >= 2 * nbytes
    assert forgot < 1.1 * nbytes
    numpy.testing.assert_array_equal(z.array, z_plain.array)


def test_f1_intermediates_freed_when_func_returns():
    x = _var(S)
    nbytes = x.array.nbytes

    def f(a):
        h = a * a          # kept by the next Mul in a plain graph
        h = h * a          # likewise
        return h * a

    plain, _y1 = _traced(lambda: f(x))
    forgot, _y2 = _traced(lambda: F.forget(f, x))
    assert plain >= 3 * nbytes          # output + two intermediates
    assert forgot < 1.1 * nbytes        # output only


# -- F2: recomputed once per backward pass, with in_recomputing set -----------------

def test_f2_one_recompute_per_backward_and_flag():
    flags = []

    def f(a, b):
        flags.append(rechain.config.in_recomputing)
        return F.sum((a * b) * a)

    x, y = _var(4, 1), _var(4, 2)
    z = F.forget(f, x, y)
    assert flags == [False]
    z.backward()
    assert flags == [False, True]
    assert rechain.config.in_recomputing is False


# -- F3: arrays become Variables; bare or tuple output ----------------------------

def test_f3_arrays_become_variables_and_outputs():
    seen = []

    def f(a, b):
        seen.extend([type(a), type(b)])
        return a * b, a + b

    a = numpy.ones(3, numpy.float32)
    out = F.forget(f, a, _var(3))
    assert seen == [rechain.Variable, rechain.Variable]
    assert isinstance(out, tuple) and len(out) == 2
    assert all(isinstance(o, rechain.Variable) for o in out)
    single = F.forget(lambda a: a * 2.0, a)
    assert isinstance(single, rechain.Variable)


def test_f3_keyword_and_non_array_arguments_pass_through():
    x = _var(3)

    def f(a, scale, *, shift):
        return a * scale + shift

    y = F.forget(f, x, 3.0, shift=1.0)
    F.sum(y).backward()
    numpy.testing.assert_allclose(y.array, x.array * 3 + 1)
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 3.0))


# -- F4: errors ------------------------------------------------------------------

def test_f4_not_callable():
    with pytest.raises(TypeError, match="callable"):
        F.forget(1)


@pytest.mark.parametrize("position, ordinal", [
    (1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
    (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd")])
def test_f4_tuple_element_not_variable(position, ordinal):
    def f(a):
        out = [a * 1.0 for _ in range(23)]
        out[position - 1] = 1
        return tuple(out)

    msg = f"{ordinal} element of a returned tuple is not Variable, but is <class 'int'>"
    with pytest.raises(TypeError) as info:
        F.forget(f, _var(2))
    assert str(info.value) == msg
    assert isinstance(info.value, RuntimeError)  # Chainer raised RuntimeError


def test_f4_non_variable_return():
    with pytest.raises(TypeError, match="<class 'int'> is returned"):
        F.forget(lambda a: 1, _var(2))


# -- F5: BatchNormalization statistics updated once ------------------------------

@pytest.mark.parametrize("finetune", [False, True])
def test_f5_batchnorm_statistics_once(finetune):
    def run(use_forget):
        rechain.random.seed(3)
        bn = L.BatchNormalization(4)
        for step in range(2):
            x = _var((8, 4), 5 + step)
            if use_forget:
                y = F.forget(bn, x, finetune=finetune)
            else:
                y = bn(x, finetune=finetune)
            F.sum(y * y).backward()
        return bn, x.grad, bn.gamma.grad

    bn_p, gx_p, gg_p = run(False)
    bn_f, gx_f, gg_f = run(True)
    numpy.testing.assert_array_equal(bn_f.avg_mean, bn_p.avg_mean)
    numpy.testing.assert_array_equal(bn_f.avg_var, bn_p.avg_var)
    assert (bn_p.avg_mean != 0).all()        # the statistics did move
    # Chainer counts N in finetune mode only: one per iteration.
    assert bn_f.N == bn_p.N == (2 if finetune else 0)
    numpy.testing.assert_allclose(gx_f, gx_p, rtol=1e-6, atol=1e-6)
    numpy.testing.assert_allclose(gg_f, gg_p, rtol=1e-6, atol=1e-6)


# -- F6: dropout replays the same random numbers ------------------------------------

def test_f6_dropout_same_values_gradients_and_stream():
    def run(call):
        rechain.random.seed(7)
        x = _var((5, 6), 1)
        y = call(lambda h: F.dropout(F.dropout(h * 2.0, 0.5) * h, 0.3), x)
        F.sum(y * y).backward()
        after = rechain.random.get_generator().random(4)  # the stream after backward
        return y.array, x.grad, after

    (y_p, g_p, s_p), (y_f, g_f, s_f) = _pair(run)
    numpy.testing.assert_array_equal(y_f, y_p)
    numpy.testing.assert_array_equal(g_f, g_p)
    numpy.testing.assert_array_equal(s_f, s_p)
    assert (y_p == 0).any()  # dropout really dropped something


def test_f6_custom_random_op_replayed():
    def noisy(a):
        gen = rechain.random.get_generator()
        noise = gen.normal(size=a.shape).astype(a.dtype)
        return a * noise  # the noise array is retained by Mul: must be replayed

    def run(call):
        rechain.random.seed(11)
        x = _var(6)
        y = call(noisy, x)
        F.sum(y * y).backward()
        return x.grad

    g_p, g_f = _pair(run)
    numpy.testing.assert_array_equal(g_f, g_p)


# -- F7: double backprop ------------------------------------------------------------

def test_f7_second_derivatives_equal():
    def run(call):
        x = _var(5, 1, dtype=numpy.float64)
        w = rechain.Parameter(numpy.linspace(-1, 1, 5))
        y = call(lambda a: a * a * a * w + a * w * w, x)
        gx, = rechain.grad([F.sum(y)], [x], enable_double_backprop=True)
        F.sum(gx * gx).backward()
        return gx.array, x.grad, w.grad

    plain, forgot = _pair(run)
    for p, f in zip(plain, forgot):
        numpy.testing.assert_allclose(f, p, rtol=1e-12)
    assert numpy.abs(plain[1]).sum() > 0


# -- F8: nesting ----------------------------------------------------------------------

def test_f8_nested_forget_plain_gradients():
    def inner(a):
        return F.sum(a * a, axis=1, keepdims=True) * a

    def run(call):
        x = _var((3, 4), 2)
        w = rechain.Parameter(numpy.ones((3, 4), numpy.float32) * 0.5)

        def outer(a):
            h = call(inner, a * w)
            return call(inner, h * a) * w

        y = call(outer, x)
        F.sum(y).backward()
        return y.array, x.grad, w.grad

    plain, forgot = _pair(run)
    for p, f in zip(plain, forgot):
        numpy.testing.assert_allclose(f, p, rtol=1e-6)


def test_f8_nested_inner_inputs_not_kept_by_forward():
    x = _var(S)
    nbytes = x.array.nbytes

    def inner(a):
        return (a * a) * a

    def outer(a):
        h = a * 2.0
        h = F.forget(inner, h)     # h is an intermediate of outer
        return F.forget(inner, h * 3.0)

    forgot, _y = _traced(lambda: F.forget(outer, x))
    assert forgot < 1.1 * nbytes  # only the output survives


# -- F9: parameter used inside and outside ----------------------------------------------

def test_f9_shared_parameter_gets_both_contributions():
    def run(call):
        w = rechain.Parameter(numpy.array([0.5, -2.0, 3.0], numpy.float32))
        x = _var(3, 4)
        h = call(lambda a: a * w * a, x)
        y = F.sum(h * w)
        y.backward()
        return w.grad, x.grad

    plain, forgot = _pair(run)
    for p, f in zip(plain, forgot):
        numpy.testing.assert_allclose(f, p, rtol=1e-6)


# -- F10: loss_scale ----------------------------------------------------------------

def test_f10_loss_scale_reaches_parameters_inside():
    def run(call):
        w = rechain.Parameter(numpy.array([0.5, -2.0, 3.0], numpy.float32))
        x = _var(3, 4)
        y = F.sum(call(lambda a: a * w * w, x))
        y.backward(loss_scale=8.0)
        return w

    w_p, w_f = _pair(run)
    numpy.testing.assert_allclose(w_f.grad, w_p.grad, rtol=1e-6)
    assert w_f._loss_scale == 8.0
    numpy.testing.assert_allclose(w_f.grad, 8.0 * 2 * w_f.array * _var(3, 4).array, rtol=1e-6)


# -- F11: no input requires grad -----------------------------------------------------

def test_f11_parameters_inside_get_gradients_without_input_grads():
    def run(call):
        w = rechain.Parameter(numpy.array([0.5, -2.0, 3.0], numpy.float32))
        x = numpy.array([1.0, 2.0, 3.0], numpy.float32)  # an array: needs no gradient
        y = call(lambda a: a * w * a, x)
        F.sum(y).backward()
        return y.requires_grad, w.grad

    (rg_p, g_p), (rg_f, g_f) = _pair(run)
    assert rg_p is rg_f is True
    numpy.testing.assert_allclose(g_f, g_p)


def test_f11_output_requires_grad_like_plain_call():
    x = rechain.Variable(numpy.ones(3, numpy.float32), requires_grad=False)
    plain = (x * x) * 2.0
    forgot = F.forget(lambda a: (a * a) * 2.0, x)
    assert plain.requires_grad is forgot.requires_grad is False


# -- F12: divergence is an error --------------------------------------------------------

def test_f12_different_op_sequence_raises():
    calls = []

    def f(a):
        calls.append(1)
        h = a * a
        if len(calls) > 1:
            h = h + a  # the recompute runs an extra, different op
        return h * a

    y = F.forget(f, _var(4))
    with pytest.raises(RecomputeError, match=r"op #1 .*forward ran Mul.*recompute ran Add"):
        F.sum(y).backward()


def test_f12_different_shape_raises():
    calls = []

    def f(a):
        calls.append(1)
        n = 4 if len(calls) == 1 else 1   # same op, a constant of another shape
        return a * numpy.ones(n, numpy.float32)

    y = F.forget(f, _var(4))
    with pytest.raises(RecomputeError,
                       match=r"op #0 .*forward ran Mul\(float32 \(4,\), float32 \(4,\)\), "
                             r"recompute ran Mul\(float32 \(4,\), float32 \(1,\)\)"):
        F.sum(y).backward()


def test_f12_different_dtype_raises():
    calls = []

    def f(a):
        calls.append(1)
        b = F.cast(a, numpy.float64 if len(calls) == 1 else numpy.float16)
        return b * b

    y = F.forget(f, _var(4))
    with pytest.raises(RecomputeError,
                       match=r"op #1 .*forward ran Mul\(float64 \(4,\), float64 \(4,\)\), "
                             r"recompute ran Mul\(float16 \(4,\), float16 \(4,\)\)"):
        F.sum(y).backward()


def test_f12_fewer_ops_raises():
    calls = []

    def f(a):
        calls.append(1)
        h = a * a
        if len(calls) == 1:
            h = h * a
        return h

    y = F.forget(f, _var(4))
    with pytest.raises(RecomputeError, match="ran 1 recorded operations, but the forward pass ran 2"):
        F.sum(y).backward()


# -- F13: the recompute runs under the forward's configuration -------------------------

def test_f13_recompute_uses_forward_config():
    seen = []

    def f(a):
        seen.append((rechain.config.train, rechain.config.in_recomputing))
        return a * a

    with rechain.using_config("train", True):
        y = F.forget(f, _var(3))
    with rechain.using_config("train", False):
        F.sum(y).backward()
        assert rechain.config.train is False
    assert seen == [(True, False), (True, True)]


# -- F14: backward peak is one region, refilled arrays freed ---------------------------

def _chain(x, n, call):
    def block(h):
        return ((h * h) * h) * h   # keeps h, h^2, h^3 plainly

    for _ in range(n):
        x = call(block, x) * 0.5
    return F.sum(x)


def _backward_peak(call, n):
    x = _var(S, 3)
    gc.collect()
    tracemalloc.start()
    try:
        loss = _chain(x, n, call)
        after_forward = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return after_forward, peak - after_forward, x.grad


def test_f14_backward_peak_is_one_region():
    n = 6
    nbytes = S * 4
    plain_fwd, plain_extra, g_p = _backward_peak(lambda f, h: f(h), n)
    forget_fwd, forget_extra, g_f = _backward_peak(F.forget, n)
    numpy.testing.assert_allclose(g_f, g_p, rtol=1e-5)
    # Forward: plain keeps 3 arrays per block (h, h^2, h^3), forget 1 (h).
    assert plain_fwd > 2.5 * n * nbytes
    assert forget_fwd < 1.5 * n * nbytes
    # Backward: on top of the gradients in flight (as in the plain run), forget
    # holds one region's refilled arrays (h^2, h^3), never the whole graph.
    assert forget_extra < plain_extra + 2.5 * nbytes
    assert forget_fwd + forget_extra < 0.6 * (plain_fwd + plain_extra)


def test_f14_refilled_arrays_released_after_backward():
    x = _var(S, 3)

    def block(h):
        return (h * h) * h

    y = F.forget(block, x)
    loss = F.sum(y)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss.backward()
        x.cleargrad()
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert left < 0.1 * x.array.nbytes


# -- F15: backward twice ------------------------------------------------------------------

def test_f15_backward_twice_recomputes_and_accumulates():
    count = []

    def run(call):
        x = _var(4, 1)

        def f(a):
            count.append(1)
            return (a * a) * a

        y = F.sum(call(f, x))
        y.backward()
        g1 = x.grad.copy()
        y.backward()
        return g1, x.grad

    (g1_p, g2_p), (g1_f, g2_f) = _pair(run)
    numpy.testing.assert_allclose(g1_f, g1_p)
    numpy.testing.assert_allclose(g2_f, g2_p)
    numpy.testing.assert_allclose(g2_f, 2 * g1_f)
    assert len(count) == 1 + 3  # plain once; forget: forward + one recompute per backward


# -- F16: CuPy ----------------------------------------------------------------------------

@pytest.mark.gpu
def test_f16_cupy_gradients_and_dropout_match_plain():
    cp = backend.cupy

    def run(call):
        rechain.random.seed(5)
        x = rechain.Variable(cp.linspace(-1, 1, 12, dtype=cp.float32).reshape(3, 4))
        y = call(lambda h: F.dropout(h * h, 0.5) * h, x)
        F.sum(y).backward()
        return cp.asnumpy(y.array), cp.asnumpy(x.grad)

    (y_p, g_p), (y_f, g_f) = _pair(run)
    numpy.testing.assert_array_equal(y_f, y_p)
    numpy.testing.assert_array_equal(g_f, g_p)


# -- F17: the recompute stops once everything needed is rebuilt ------------------------------

class _Count(rechain.FunctionNode):
    calls = 0

    def forward(self, inputs):
        _Count.calls += 1
        return inputs[0] * 1,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0],


def test_f17_recompute_stops_early():
    after = []

    def f(a):
        h = (a * a) * a                   # the last op that retains anything
        after.append(1)
        return _Count().apply((h,))[0] + 1.0   # retain nothing

    _Count.calls = 0
    y = F.forget(f, _var(4))
    F.sum(y).backward()
    assert after == [1]          # the code after the last retaining op ran only at forward
    assert _Count.calls == 1


def test_in_recomputing_false_in_no_backprop_mode_call():
    seen = []
    with rechain.no_backprop_mode():
        y = F.forget(lambda a: (seen.append(rechain.config.in_recomputing), a * a)[1], _var(3))
    assert seen == [False] and y.creator is None


# -- nesting, deeper ----------------------------------------------------------------------

def _nested_run(call):
    w = rechain.Parameter(numpy.linspace(0.5, 1.5, 6).astype(numpy.float32))
    x = _var(6, 7)

    def leaf(a):
        return F.tanh(a * w)

    def mid(a):
        h = call(leaf, a)        # nested two levels down, not the last op of ``mid``
        return h * a

    def top(a):
        h = call(mid, a)         # a nested region that is not the last op of ``top``
        return h * h             # depends only on it, no parameter involved

    y = call(top, x)
    F.sum(y).backward()
    return y.array, x.grad, w.grad


def test_two_levels_of_nesting_not_last_give_plain_gradients():
    plain, forgot = _pair(lambda call: _nested_run(call))
    for p, f in zip(plain, forgot):
        numpy.testing.assert_array_equal(f, p)


def test_dropout_inside_doubly_nested_regions():
    def run(call):
        rechain.random.seed(9)
        x = _var((4, 5), 8)
        inner = lambda a: F.dropout(a * 2.0, 0.5)                 # noqa: E731
        middle = lambda a: call(inner, a) * a                     # noqa: E731
        y = call(lambda a: call(middle, a) + a, x)
        F.sum(y * y).backward()
        return y.array, x.grad, rechain.random.get_state()

    (y_p, g_p, s_p), (y_f, g_f, s_f) = _pair(run)
    numpy.testing.assert_array_equal(y_f, y_p)
    numpy.testing.assert_array_equal(g_f, g_p)
    assert s_f == s_p

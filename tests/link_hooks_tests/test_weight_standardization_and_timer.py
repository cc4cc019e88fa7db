"""WeightStandardization (values, gradients of both orders, forget) and TimerHook."""

import io

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import gradient_check, link_hooks


def _standardized(W, eps):
    flat = W.reshape(W.shape[0], -1)
    mean = flat.mean(axis=1, keepdims=True)
    var = ((flat - mean) ** 2).mean(axis=1, keepdims=True)
    return ((flat - mean) / numpy.sqrt(var + eps)).reshape(W.shape)


def test_convolution_uses_the_standardized_weight():
    rechain.random.seed(0)
    conv = L.Convolution2D(2, 3, 3, nobias=True)
    x = numpy.random.RandomState(1).randn(1, 2, 5, 5).astype(numpy.float32)
    W0 = conv.W.array.copy()
    expected = F.convolution_2d(x, _standardized(W0, 1e-5).astype(numpy.float32)).array
    conv.add_hook(link_hooks.WeightStandardization())
    numpy.testing.assert_allclose(conv(x).array, expected, rtol=1e-5, atol=1e-5)
    numpy.testing.assert_array_equal(conv.W.array, W0)
    assert isinstance(conv.W, rechain.Parameter)


@pytest.mark.parametrize("dtype,tol", [(numpy.float64, dict(atol=1e-5, rtol=1e-4)),
                                       (numpy.float32, dict(atol=1e-2, rtol=1e-2))])
def test_standardize_gradients_first_and_second_order(dtype, tol):
    hook = link_hooks.WeightStandardization(eps=1e-2)
    rng = numpy.random.default_rng(2)
    W = rng.normal(size=(3, 2, 2)).astype(dtype)
    gy = rng.normal(size=W.shape).astype(dtype)
    ggW = rng.normal(size=W.shape).astype(dtype)
    numpy.testing.assert_allclose(hook.standardize(rechain.Variable(W)).array,
                                  _standardized(W, 1e-2), rtol=1e-5)
    gradient_check.check_backward(hook.standardize, (W,), (gy,), seed=0, **tol)
    gradient_check.check_double_backward(hook.standardize, (W,), (gy,), (ggW,), seed=0,
                                         atol=max(tol["atol"], 1e-4),
                                         rtol=max(tol["rtol"], 1e-3))


def test_forget_gives_plain_outputs_and_gradients():
    x = numpy.random.RandomState(3).randn(4, 3).astype(numpy.float32)
    out = []
    for use in (False, True):
        rechain.random.seed(4)
        lin = L.Linear(3, 5).add_hook(link_hooks.WeightStandardization())
        xv = rechain.Variable(x.copy())
        f = lambda h: F.relu(lin(h))  # noqa: E731
        y = F.forget(f, xv) if use else f(xv)
        F.sum(y * y).backward()
        out.append((y.array, xv.grad, lin.W.grad, lin.b.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_weight_standardization_bad_weight():
    with pytest.raises(ValueError, match="WeightStandardization: Bias has no parameter 'W'"):
        L.Bias(shape=(3,)).add_hook(link_hooks.WeightStandardization())


def test_timer_records_every_call_and_sums_outermost_only():
    class Model(rechain.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.a = L.Linear(3, 3)
                self.b = L.Linear(3, 2)

        def forward(self, x):
            return self.b(self.a(x))

    model = Model()
    x = numpy.ones((2, 3), numpy.float32)
    with link_hooks.TimerHook() as timer:
        model(x)
        model(x)
    names = [n for n, _ in timer.call_history]
    assert names == ["Linear", "Linear", "Model"] * 2
    outer = [t for n, t in timer.call_history if n == "Model"]
    assert timer.total_time() == pytest.approx(sum(outer))
    assert all(t >= 0 for _, t in timer.call_history)
    summary = timer.summary()
    assert summary["Linear"]["occurrence"] == 4 and summary["Model"]["occurrence"] == 2
    buf = io.StringIO()
    timer.print_report(unit="us", file=buf)
    lines = buf.getvalue().splitlines()
    assert lines[0].split() == ["LinkName", "ElapsedTime", "Occurrence"]
    assert lines[1].split()[0] == "Linear" and lines[1].split()[2] == "4"
    assert lines[1].split()[1].endswith("us")
    with pytest.raises(ValueError, match="unit must be one of"):
        timer.print_report(unit="hours")

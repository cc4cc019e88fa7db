import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


def _ref(x, t, W, samples, reduce):
    x, W = x.astype(numpy.float64), W.astype(numpy.float64)
    out = []
    for i in range(len(x)):
        p = W[t[i]].dot(x[i])
        q = W[samples[i]].dot(x[i])
        logz = numpy.log(numpy.exp(p) + numpy.exp(q).sum())
        out.append(-(p - logz + numpy.log(1 - numpy.exp(q - logz)).sum()))
    out = numpy.array(out)
    return out.mean() if reduce == "mean" else out


def _data(dtype=numpy.float64, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.normal(size=(4, 3)).astype(dtype)
    W = rng.normal(size=(6, 3)).astype(dtype)
    t = rng.integers(0, 6, 4).astype(numpy.int32)
    samples = rng.integers(0, 6, (4, 5)).astype(numpy.int32)
    return x, t, W, samples


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_forward(dtype, reduce):
    x, t, W, samples = _data(dtype)
    y = F.black_out(x, t, W, samples, reduce)
    assert y.dtype == dtype and y.shape == (() if reduce == "mean" else (4,))
    numpy.testing.assert_allclose(y.array, _ref(x, t, W, samples, reduce), rtol=1e-5)


def test_large_scores_stay_finite():
    # exp(100) overflows float32: the log-sum-exp must be shifted.
    x = numpy.ones((1, 1), numpy.float32)
    W = numpy.array([[100.0], [90.0], [95.0]], numpy.float32)
    t, samples = numpy.array([0]), numpy.array([[1, 2]])
    y = F.black_out(x, t, W, samples)
    assert numpy.isfinite(y.array)
    # float32 scores near 100: the loss (~0.0135) is known to about 1e-6.
    numpy.testing.assert_allclose(y.array, _ref(x, t, W, samples, "mean"), atol=5e-6)


@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_backward_and_double_backward(reduce):
    x, t, W, samples = _data(seed=1)
    rng = numpy.random.default_rng(2)

    def f(x, W):
        y = F.black_out(x, t, W, samples, reduce)
        return F.reshape(y, (1,)) if reduce == "mean" else y
    gy = rng.normal(size=1 if reduce == "mean" else 4)
    gradient_check.check_backward(f, (x, W), gy)
    gradient_check.check_double_backward(f, (x, W), gy, (rng.normal(size=x.shape),
                                                         rng.normal(size=W.shape)))


def test_forget_gives_plain_outputs_and_gradients():
    x_data, t, w_data, samples = _data(seed=3)
    out = []
    for use in (False, True):
        x, W = rechain.Variable(x_data.copy()), rechain.Variable(w_data.copy())
        f = lambda x, W: F.black_out(F.tanh(x), t, W, samples)  # noqa: E731
        y = F.forget(f, x, W) if use else f(x, W)
        y.backward()
        out.append((y.array, x.grad, W.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kw,match", [
    (dict(reduce="sum"), "black_out: reduce must be 'mean' or 'no', got 'sum'"),
    (dict(samples=numpy.zeros((3, 5), numpy.int32)), "black_out: samples must be 2-d (batch = "
                                                     "4, sample_size), got shape (3, 5)"),
    (dict(t=numpy.zeros(3, numpy.int32)), "black_out: t must be 1-d with x.shape[0] = 4 labels, "
                                          "got shape (3,)"),
    (dict(W=numpy.zeros((6, 2))), "black_out: W must be 2-d (vocab_size, 3) to match x (4, 3), "
                                  "got shape (6, 2)"),
    (dict(samples=numpy.zeros((4, 5))), "black_out: samples must have an integer dtype"),
])
def test_bad_inputs(kw, match):
    x, t, W, samples = _data()
    args = dict(x=x, t=t, W=W, samples=samples)
    args.update(kw)
    with pytest.raises(ValueError, match=re.escape(match)):
        F.black_out(**args)

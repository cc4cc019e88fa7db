import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.utils import WalkerAlias


def _ref(x, t, W, samples, reduce):
    x, W = x.astype(numpy.float64), W.astype(numpy.float64)
    loss = numpy.zeros(len(x))
    for i in range(len(x)):
        if t[i] == -1:
            continue
        assert samples[i, 0] == t[i]
        f = W[samples[i]].dot(x[i])
        f[0] *= -1
        loss[i] = numpy.sum(numpy.log1p(numpy.exp(f)))
    return loss.sum() if reduce == "sum" else loss


def _data(dtype=numpy.float64, b=5, d=3, v=6, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.normal(size=(b, d)).astype(dtype)
    W = rng.normal(size=(v, d)).astype(dtype)
    t = rng.integers(0, v, b).astype(numpy.int32)
    t[1] = -1
    return x, t, W


class FixedSampler:
    """Returns the same negatives on every call (for numerical gradients)."""

    def __init__(self, v, seed=1):
        self.v, self.seed = v, seed

    def __call__(self, shape):
        return numpy.random.default_rng(self.seed).integers(0, self.v, shape).astype(numpy.int32)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("reduce", ["sum", "no"])
def test_forward(dtype, reduce):
    x, t, W = _data(dtype)
    sampler = WalkerAlias(numpy.arange(1.0, 7.0))
    loss, samples = F.negative_sampling(x, t, W, sampler, 4, reduce, return_samples=True)
    assert samples.shape == (5, 5)
    numpy.testing.assert_array_equal(samples[:, 0], t)
    assert loss.dtype == dtype and loss.shape == (() if reduce == "sum" else (5,))
    numpy.testing.assert_allclose(loss.array, _ref(x, t, W, samples, reduce), rtol=1e-5)
    if reduce == "no":
        assert loss.array[1] == 0


def test_sampler_is_called_with_batch_and_sample_size_plus_one():
    calls = []

    def sampler(shape):
        calls.append(shape)
        return numpy.zeros(shape, numpy.int32)
    x, t, W = _data()
    F.negative_sampling(x, t, W, sampler, 7)
    assert calls == [(5, 8)]


def test_same_seed_same_samples():
    x, t, W = _data()
    sampler = WalkerAlias(numpy.ones(6))
    rechain.random.seed(3)
    l1, s1 = F.negative_sampling(x, t, W, sampler, 4, return_samples=True)
    rechain.random.seed(3)
    l2, s2 = F.negative_sampling(x, t, W, sampler, 4, return_samples=True)
    numpy.testing.assert_array_equal(s1, s2)
    assert l1.array == l2.array


@pytest.mark.parametrize("reduce", ["sum", "no"])
def test_backward_and_double_backward(reduce):
    x, t, W = _data(seed=2)
    sampler = FixedSampler(6)
    rng = numpy.random.default_rng(3)

    def f(x, W):
        return F.negative_sampling(x, t, W, sampler, 3, reduce)
    gy = rng.normal(size=() if reduce == "sum" else (5,))
    if reduce == "sum":  # gradient_check cannot perturb 0-d arrays: lift the loss to (1,)
        g = lambda x, W: F.reshape(f(x, W), (1,))  # noqa: E731
        gy = gy.reshape(1)
    else:
        g = f
    gradient_check.check_backward(g, (x, W), gy)
    gradient_check.check_double_backward(g, (x, W), gy, (rng.normal(size=x.shape),
                                                         rng.normal(size=W.shape)))


def test_ignored_rows_get_no_gradient():
    x, t, W = _data()
    xv = rechain.Variable(x)
    F.negative_sampling(xv, t, W, FixedSampler(6), 3).backward()
    numpy.testing.assert_array_equal(xv.grad[1], 0)
    assert numpy.all(xv.grad[0] != 0)


def test_forget_replays_the_same_negatives():
    x_data, t, w_data = _data(seed=4)
    sampler = WalkerAlias(numpy.arange(1.0, 7.0))
    out = []
    for use in (False, True):
        rechain.random.seed(11)
        x, W = rechain.Variable(x_data.copy()), rechain.Variable(w_data.copy())

        def f(x, W):
            return F.negative_sampling(F.tanh(x), t, W, sampler, 4, "no")
        y = F.forget(f, x, W) if use else f(x, W)
        F.sum(y * y).backward()
        after = rechain.random.get_state()
        out.append((y.array, x.grad, W.grad, after))
    for a, b in zip(out[0][:3], out[1][:3]):
        numpy.testing.assert_array_equal(a, b)
    assert out[0][3] == out[1][3]


@pytest.mark.parametrize("kw,match", [
    (dict(x=numpy.zeros(3)), r"negative_sampling: x must be 2-d (batch, in_size), got shape (3,)"),
    (dict(t=numpy.zeros(4, numpy.int32)), "negative_sampling: t must be 1-d with x.shape[0] = 5 "
                                          "labels, got shape (4,) (x (5, 3))"),
    (dict(t=numpy.zeros(5)), "negative_sampling: t must have an integer dtype, got float64"),
    (dict(W=numpy.zeros((6, 4))), "negative_sampling: W must be 2-d (vocab_size, 3) to match "
                                  "x (5, 3), got shape (6, 4)"),
    (dict(W=numpy.zeros((6, 3), numpy.float32)), "negative_sampling: x and W must have the same "
                                                 "dtype, got x float64 and W float32"),
    (dict(t=numpy.array([0, 1, 6, 0, 0])), "negative_sampling: t[2] = 6 is out of range for W "
                                           "of shape (6, 3) (labels must be in [0, 6) or -1 to "
                                           "ignore)"),
    (dict(reduce="mean"), "negative_sampling: reduce must be 'sum' or 'no', got 'mean'"),
    (dict(sample_size=-1), "negative_sampling: sample_size must be a non-negative int, got -1"),
    (dict(sampler=lambda s: numpy.zeros(s)), "negative_sampling: sampler((5, 3)) must return an "
                                             "integer array of shape (5, 3), got ndarray of "
                                             "shape (5, 3) and dtype float64"),
    (dict(sampler=lambda s: numpy.full(s, 9)), "negative_sampling: sampler returned ids outside "
                                               "[0, 6) (W.shape[0] = 6)"),
])
def test_bad_inputs(kw, match):
    x, t, W = _data()
    args = dict(x=x, t=t, W=W, sampler=FixedSampler(6), sample_size=2, reduce="sum")
    args.update(kw)
    with pytest.raises(ValueError, match=re.escape(match)):
        F.negative_sampling(**args)


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    x, t, W = _data(numpy.float32)
    sampler = WalkerAlias(numpy.ones(6)).to_gpu()
    loss, samples = F.negative_sampling(cp.asarray(x), cp.asarray(t), cp.asarray(W), sampler,
                                        4, return_samples=True)
    assert isinstance(samples, cp.ndarray)
    numpy.testing.assert_allclose(float(loss.array), _ref(x, t, W, cp.asnumpy(samples), "sum"),
                                  rtol=1e-5)

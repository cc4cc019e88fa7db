import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


def _away_from_zero(shape, rng, dtype=numpy.float64):
    u = rng.uniform(-1, 1, shape)
    return (numpy.sign(u) * (0.2 + abs(u))).astype(dtype)


def _ref(x, W):
    w = W.reshape((1,) + W.shape + (1,) * (x.ndim - 1 - W.ndim))
    return numpy.where(x >= 0, x, x * w)


# (x shape, W shape)
CASES = [((4, 3), (3,)), ((2, 3, 4), (3,)), ((2, 3, 4), (3, 4)), ((2, 3), ()),
         ((2, 3, 2, 2), (3,))]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ws", CASES)
def test_forward(xs, ws, dtype):
    rng = numpy.random.default_rng(0)
    x = _away_from_zero(xs, rng, dtype)
    W = rng.uniform(0.1, 0.9, ws).astype(dtype)
    y = F.prelu(x, W)
    assert y.dtype == dtype and y.shape == xs
    numpy.testing.assert_allclose(y.array, _ref(x, W), rtol=1e-6)


def test_zero_passes_through():
    y = F.prelu(numpy.array([[0.0, -1.0]]), numpy.array([0.5, 0.5]))
    numpy.testing.assert_array_equal(y.array, [[0.0, -0.5]])


@pytest.mark.parametrize("xs,ws", CASES)
def test_backward_and_double_backward(xs, ws):
    rng = numpy.random.default_rng(1)
    x = _away_from_zero(xs, rng)
    W = rng.uniform(0.1, 0.9, ws)
    if ws == ():  # gradient_check cannot perturb 0-d arrays: lift W to (1,)
        def f(x, w):
            return F.prelu(x, F.reshape(w, ()))
        W = W.reshape(1)
    else:
        f = F.prelu
    gy = rng.normal(size=xs)
    gradient_check.check_backward(f, (x, W), gy)
    gradient_check.check_double_backward(f, (x, W), gy, (rng.normal(size=xs),
                                                         rng.normal(size=W.shape)))


def test_gradient_values():
    x = rechain.Variable(numpy.array([[-2.0, 3.0], [-1.0, -4.0]]))
    W = rechain.Variable(numpy.array([0.5, 0.25]))
    F.sum(F.prelu(x, W)).backward()
    numpy.testing.assert_array_equal(x.grad, [[0.5, 1.0], [0.5, 0.25]])
    numpy.testing.assert_array_equal(W.grad, [-3.0, -4.0])


def test_forget_gives_plain_outputs_and_gradients():
    rng = numpy.random.default_rng(2)
    x_data = _away_from_zero((3, 4, 2), rng)
    w_data = rng.uniform(0.1, 0.9, (4,))
    out = []
    for use in (False, True):
        x, W = rechain.Variable(x_data.copy()), rechain.Variable(w_data.copy())
        f = lambda x, W: F.prelu(F.tanh(x), W)  # noqa: E731
        y = F.forget(f, x, W) if use else f(x, W)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, W.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("xs,ws", [((2, 3), (2,)), ((2, 3), (3, 1)), ((3,), (3,))])
def test_bad_w_shape(xs, ws):
    with pytest.raises(rechain.InvalidType,
                       match=rf"prelu: W's shape must equal x.shape\[1:1 \+ W.ndim\]; got W "
                             rf"{re.escape(str(numpy.zeros(ws).shape))} for x \({xs[0]},"):
        F.prelu(numpy.zeros(xs, numpy.float32), numpy.zeros(ws, numpy.float32))


def test_bad_dtype():
    with pytest.raises(rechain.InvalidType, match="prelu: x and W must have the same dtype"):
        F.prelu(numpy.zeros((2, 3), numpy.float32), numpy.zeros(3, numpy.float64))
    with pytest.raises(rechain.InvalidType, match="prelu: x must have a floating"):
        F.prelu(numpy.zeros((2, 3), numpy.int32), numpy.zeros(3, numpy.float64))


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    rng = numpy.random.default_rng(0)
    x = _away_from_zero((2, 3), rng, numpy.float32)
    W = numpy.full(3, 0.3, numpy.float32)
    y = F.prelu(cp.asarray(x), cp.asarray(W))
    numpy.testing.assert_allclose(cp.asnumpy(y.array), _ref(x, W), rtol=1e-6)

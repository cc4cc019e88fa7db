"""rrelu: train/test behaviour, its random stream, gradients, forget."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable


def _x(rng, shape=(4, 5)):
    u = rng.uniform(-1, 1, shape)
    return numpy.sign(u) * (0.1 + numpy.abs(u))


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_train_draws_slopes_in_range(rng, dtype):
    x = _x(rng, (50, 40)).astype(dtype)
    y, r = F.rrelu(x, l=0.1, u=0.3, return_r=True)
    assert r.shape == x.shape and r.dtype == dtype and y.dtype == dtype
    assert r.min() >= dtype(0.1) and r.max() <= dtype(0.3)
    assert r.std() > 0.04  # really random: U(0.1, 0.3) has std 0.058
    numpy.testing.assert_array_equal(y.array, numpy.where(x >= 0, x, x * r))


def test_test_mode_uses_mean_slope(rng):
    x = _x(rng)
    with rechain.using_config("train", False):
        y, r = F.rrelu(x, l=0.2, u=0.4, return_r=True)
    mean = (0.2 + 0.4) / 2
    numpy.testing.assert_array_equal(r, numpy.full(x.shape, mean))
    numpy.testing.assert_array_equal(y.array, numpy.where(x >= 0, x, mean * x))


def test_test_mode_ignores_given_r(rng):
    x = _x(rng)
    with rechain.using_config("train", False):
        y, r = F.rrelu(x, l=0.2, u=0.4, r=numpy.full(x.shape, 0.9), return_r=True)
    mean = (0.2 + 0.4) / 2
    numpy.testing.assert_array_equal(r, numpy.full(x.shape, mean))
    numpy.testing.assert_array_equal(y.array, numpy.where(x >= 0, x, mean * x))


def test_stream_is_seeded_and_advances(rng):
    x = _x(rng)
    rechain.random.seed(11)
    _, r1 = F.rrelu(x, return_r=True)
    _, r2 = F.rrelu(x, return_r=True)
    rechain.random.seed(11)
    _, r3 = F.rrelu(x, return_r=True)
    numpy.testing.assert_array_equal(r1, r3)
    assert not numpy.array_equal(r1, r2)


def test_given_r_is_used_and_cast(rng):
    x = _x(rng).astype(numpy.float32)
    r = numpy.full(x.shape, 0.25)
    y, r_used = F.rrelu(x, r=r, return_r=True)
    assert r_used.dtype == numpy.float32
    numpy.testing.assert_array_equal(y.array, numpy.where(x >= 0, x, x * numpy.float32(0.25)))


def test_gradient_values_and_zero_slope():
    x = Variable(numpy.array([-2.0, 3.0, -1.0, 0.0]))
    r = numpy.array([0.0, 0.5, 0.25, 0.5])
    F.sum(F.rrelu(x, r=r)).backward()
    # a slope of 0 gives a zero gradient (y = -0.0 would not tell x's sign).
    numpy.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.25, 1.0])


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_grads(rng, grads, dtype):
    x = _x(rng, (3, 4))
    r = rng.uniform(0.1, 0.3, x.shape).astype(dtype)
    grads(lambda a: F.rrelu(a, r=r), (x,), dtype)


def test_forget_replays_the_same_slopes(rng):
    x_data = _x(rng, (3, 4))
    out = []
    for use in (False, True):
        rechain.random.seed(5)
        x = Variable(x_data.copy())
        f = lambda x: F.rrelu(F.tanh(x) * 2.0) * x  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    x = numpy.zeros((2, 3))
    with pytest.raises(ValueError, match=r"rrelu: l must be a float in \[0, 1\), got -0.1"):
        F.rrelu(x, l=-0.1)
    with pytest.raises(ValueError, match=r"rrelu: u must be a float in \[0, 1\), got 1.0"):
        F.rrelu(x, u=1.0)
    with pytest.raises(ValueError, match="rrelu: l must be less than u, got l=0.3 and u=0.2"):
        F.rrelu(x, l=0.3, u=0.2)
    with pytest.raises(rechain.InvalidType, match=r"rrelu: r must be a float array of x's "
                                                  r"shape \(2, 3\), got shape \(3,\)"):
        F.rrelu(x, r=numpy.zeros(3))
    with pytest.raises(rechain.InvalidType, match="rrelu: x must have a floating"):
        F.rrelu(numpy.zeros(3, numpy.int32))
    with pytest.raises(TypeError):
        F.rrelu(x, train=True)  # Chainer's removed argument

"""fft and ifft on (real, imag) pairs."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape", [(4,), (3, 5), (2, 3, 8)])
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_forward(rng, name, shape, dtype):
    r, i = (rng.normal(size=shape).astype(dtype) for _ in range(2))
    yr, yi = getattr(F, name)((r, i))
    want = getattr(numpy.fft, name)(r + 1j * i)
    assert yr.dtype == yi.dtype == dtype and yr.shape == shape
    tol = 1e-5 if dtype == numpy.float32 else 1e-13
    numpy.testing.assert_allclose(yr.array, want.real, rtol=tol, atol=tol)
    numpy.testing.assert_allclose(yi.array, want.imag, rtol=tol, atol=tol)


def test_round_trip(rng):
    r, i = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    br, bi = F.ifft(F.fft((r, i)))
    numpy.testing.assert_allclose(br.array, r, atol=1e-14)
    numpy.testing.assert_allclose(bi.array, i, atol=1e-14)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_grads(rng, grads, name, dtype):
    f = getattr(F, name)
    grads(lambda r, i: f((r, i)), (rng.normal(size=(2, 5)), rng.normal(size=(2, 5))), dtype)


def test_gradient_through_one_output(rng):
    # Only the real part used: the missing imaginary gradient counts as zero.
    r = Variable(rng.normal(size=(4,)))
    i = Variable(rng.normal(size=(4,)))
    yr, _ = F.fft((r, i))
    F.sum(yr).backward()
    # sum_k Re(sum_n x_n w^kn) = Re(n x_0)
    numpy.testing.assert_allclose(r.grad, [4.0, 0.0, 0.0, 0.0], atol=1e-14)
    numpy.testing.assert_allclose(i.grad, [0.0, 0.0, 0.0, 0.0], atol=1e-14)


@pytest.mark.parametrize("name", ["fft", "ifft"])
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = rng.normal(size=(3, 4))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())

        def f(x):
            yr, yi = getattr(F, name)((F.tanh(x), x * x))
            return yr * yi
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(TypeError, match=r"fft: x must be a pair \(real, imag\), not ndarray"):
        F.fft(numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match=r"ifft: real and imag must have the same "
                                                  r"shape, got \(3,\) and \(4,\)"):
        F.ifft((numpy.ones(3), numpy.ones(4)))
    with pytest.raises(rechain.InvalidType, match="fft: real and imag must have the same "
                                                  "dtype, got float64 and float32"):
        F.fft((numpy.ones(3), numpy.ones(3, numpy.float32)))
    with pytest.raises(rechain.InvalidType, match=r"fft: real must have at least 1 "
                                                  r"dimensions, got shape \(\)"):
        F.fft((numpy.ones(()), numpy.ones(())))

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


def _ref(x, n=5, k=2, alpha=1e-4, beta=.75):
    x = x.astype(numpy.float64)
    y = numpy.empty_like(x)
    c = x.shape[1]
    for ch in range(c):
        lo, hi = max(0, ch - n // 2), min(c, ch + n // 2 + 1)
        s = numpy.sum(x[:, lo:hi] ** 2, axis=1)
        y[:, ch] = x[:, ch] / (k + alpha * s) ** beta
    return y


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape", [(2, 7, 3, 2), (3, 4), (2, 1, 2, 2), (1, 6, 3)])
@pytest.mark.parametrize("params", [{}, dict(n=3, k=1, alpha=0.5, beta=0.6),
                                    dict(n=4, k=0.5, alpha=1.0, beta=1.0),
                                    dict(n=1, k=1.0, alpha=2.0, beta=0.5)])
def test_forward(shape, dtype, params):
    x = numpy.random.default_rng(0).normal(size=shape).astype(dtype)
    y = F.local_response_normalization(x, **params)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, _ref(x, **params), rtol=1e-5)


@pytest.mark.parametrize("shape", [(2, 7, 3, 2), (3, 4)])
@pytest.mark.parametrize("params", [{}, dict(n=3, k=1, alpha=0.5, beta=0.6),
                                    dict(n=4, k=0.5, alpha=1.0, beta=1.2)])
def test_backward_and_double_backward(shape, params):
    rng = numpy.random.default_rng(1)
    x = rng.normal(size=shape)
    f = lambda x: F.local_response_normalization(x, **params)  # noqa: E731
    gy = rng.normal(size=shape)
    gradient_check.check_backward(f, x, gy)
    gradient_check.check_double_backward(f, x, gy, rng.normal(size=shape))


def test_retains_input_only():
    x = rechain.Variable(numpy.ones((1, 3, 2, 2), numpy.float32))
    y = F.local_response_normalization(x)
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(y.creator)]
    assert kinds == [("input", 0)]


def test_forget_gives_plain_outputs_and_gradients():
    x_data = numpy.random.default_rng(2).normal(size=(2, 5, 3, 3))
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        f = lambda x: F.local_response_normalization(x * 3, alpha=0.1)  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"local_response_normalization: x must have "
                                                   r"at least 2 dimensions \(N, C, \.\.\.\), "
                                                   r"got shape \(3,\)"):
        F.local_response_normalization(numpy.zeros(3, numpy.float32))
    with pytest.raises(rechain.InvalidType, match="local_response_normalization: x must have "
                                                   "a floating-point dtype"):
        F.local_response_normalization(numpy.zeros((2, 3), numpy.int32))
    with pytest.raises(ValueError, match=r"local_response_normalization: n must be a "
                                         r"positive int, got 0"):
        F.local_response_normalization(numpy.zeros((2, 3)), n=0)


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    x = numpy.random.default_rng(0).normal(size=(2, 6, 3, 3)).astype(numpy.float32)
    y = F.local_response_normalization(cp.asarray(x))
    numpy.testing.assert_allclose(cp.asnumpy(y.array), _ref(x), rtol=1e-5)

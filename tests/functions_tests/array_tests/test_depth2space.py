import numpy
import pytest

import rechain
import rechain.functions as F


def _d2s_ref(X, r):
    n, crr, h, w = X.shape
    c = crr // (r * r)
    y = numpy.empty((n, c, h * r, w * r), X.dtype)
    for i in range(r):
        for j in range(r):
            for ch in range(c):
                y[:, ch, i::r, j::r] = X[:, (i * r + j) * c + ch]
    return y


@pytest.mark.parametrize("r", [1, 2, 3])
def test_forward_and_inverse(r, dtype, rng):
    X = rng.normal(size=(2, 2 * r * r, 3, 4)).astype(dtype)
    y = F.depth2space(X, r)
    assert y.dtype == dtype and y.shape == (2, 2, 3 * r, 4 * r)
    numpy.testing.assert_array_equal(y.array, _d2s_ref(X, r))
    numpy.testing.assert_array_equal(F.space2depth(y.array, r).array, X)


@pytest.mark.parametrize("r", [2, 3])
def test_gradients(check_grads, rng, r):
    check_grads(lambda x: F.depth2space(x, r), (rng.normal(size=(1, 2 * r * r, 2, 2)),))
    check_grads(lambda x: F.space2depth(x, r), (rng.normal(size=(2, 1, 2 * r, r)),))


def test_forget_gives_plain_outputs_and_gradients(rng):
    x_data = rng.normal(size=(2, 8, 2, 3))
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        g = lambda x: F.space2depth(F.tanh(F.depth2space(x, 2)), 2)  # noqa: E731
        y = F.forget(g, x) if use else g(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"depth2space: X's channels \(6, shape "
                                                   r"\(1, 6, 2, 2\)\) must be a multiple of "
                                                   r"r\*\*2 = 4"):
        F.depth2space(numpy.zeros((1, 6, 2, 2)), 2)
    with pytest.raises(rechain.InvalidType, match=r"space2depth: X's height and width \(shape "
                                                   r"\(1, 1, 3, 2\)\) must be multiples of r = 2"):
        F.space2depth(numpy.zeros((1, 1, 3, 2)), 2)
    with pytest.raises(rechain.InvalidType, match=r"depth2space: X must have 4 dimensions, got "
                                                   r"shape \(4, 2, 2\)"):
        F.depth2space(numpy.zeros((4, 2, 2)), 2)
    with pytest.raises(ValueError, match="space2depth: r must be a positive int, got 0"):
        F.space2depth(numpy.zeros((1, 1, 2, 2)), 0)

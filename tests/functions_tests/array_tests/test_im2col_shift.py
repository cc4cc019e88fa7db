import numpy
import pytest

import rechain
import rechain.functions as F


def _im2col_ref(x, k, s, p, d, cover_all):
    n, c, h, w = x.shape
    def out(size):
        ext = (k - 1) * d + 1
        return ((size + 2 * p - ext + (s - 1 if cover_all else 0)) // s) + 1
    oh, ow = out(h), out(w)
    y = numpy.zeros((n, c, k, k, oh, ow), x.dtype)
    for i in range(k):
        for j in range(k):
            for a in range(oh):
                for b in range(ow):
                    r, q = a * s + i * d - p, b * s + j * d - p
                    if 0 <= r < h and 0 <= q < w:
                        y[:, :, i, j, a, b] = x[:, :, r, q]
    return y.reshape(n, c * k * k, oh, ow)


@pytest.mark.parametrize("k,s,p,d,cover_all", [(2, 1, 0, 1, False), (3, 2, 1, 1, False),
                                               (2, 2, 0, 1, True), (2, 1, 1, 2, False)])
def test_im2col_forward(k, s, p, d, cover_all, dtype, rng):
    x = rng.normal(size=(2, 3, 5, 4)).astype(dtype)
    y = F.im2col(x, k, stride=s, pad=p, cover_all=cover_all, dilate=d)
    want = _im2col_ref(x, k, s, p, d, cover_all)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_array_equal(y.array, want)


@pytest.mark.parametrize("k,s,p,d,cover_all", [(2, 1, 0, 1, False), (3, 2, 1, 1, True),
                                               (2, 1, 1, 2, False)])
def test_im2col_gradients(check_grads, rng, k, s, p, d, cover_all):
    x = rng.normal(size=(1, 2, 5, 4))
    check_grads(lambda x: F.im2col(x, k, s, p, cover_all, d), (x,))


def _shift_ref(x, k, d):
    n, c, h, w = x.shape
    groups = k * k
    size = c // groups
    centre = (groups - 1) // 2
    y = numpy.zeros_like(x)
    for ch in range(c):
        i = min(ch // size, groups - 1)
        g = groups - 1 if i == centre else centre if i == groups - 1 else i
        ky, kx = g // k - k // 2, g % k - k // 2
        for r in range(h):
            for q in range(w):
                rr, qq = r - ky * d, q - kx * d
                if 0 <= rr < h and 0 <= qq < w:
                    y[:, ch, r, q] = x[:, ch, rr, qq]
    return y


@pytest.mark.parametrize("k,d,c", [(3, 1, 9), (3, 2, 11), (1, 1, 2), (5, 1, 25)])
def test_shift_forward(k, d, c, dtype, rng):
    x = rng.normal(size=(2, c, 4, 5)).astype(dtype)
    y = F.shift(x, ksize=k, dilate=d)
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_array_equal(y.array, _shift_ref(x, k, d))


def test_shift_gradients(check_grads, rng):
    check_grads(lambda x: F.shift(x, 3, 1), (rng.normal(size=(1, 10, 3, 4)),))
    check_grads(lambda x: F.shift(x, (3, 1), (2, 1)), (rng.normal(size=(1, 3, 4, 3)),))


def test_forget_gives_plain_outputs_and_gradients(rng):
    x_data = rng.normal(size=(1, 9, 4, 4))
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        g = lambda x: F.tanh(F.im2col(F.shift(F.sin(x)), 2))  # noqa: E731
        y = F.forget(g, x) if use else g(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"im2col: x must have 4 dimensions, got shape "
                                                   r"\(2, 3, 4\)"):
        F.im2col(numpy.zeros((2, 3, 4)), 2)
    with pytest.raises(rechain.InvalidType, match=r"im2col: the kernel \(5, 5\) \(dilate "
                                                   r"\(1, 1\)\) does not fit x of shape "
                                                   r"\(1, 1, 3, 3\)"):
        F.im2col(numpy.zeros((1, 1, 3, 3)), 5)
    with pytest.raises(rechain.InvalidType, match=r"shift: x must have at least kh \* kw = 9 "
                                                   r"channels, got shape \(1, 4, 3, 3\)"):
        F.shift(numpy.zeros((1, 4, 3, 3)))
    with pytest.raises(ValueError, match="shift: ksize must be odd, got 2"):
        F.shift(numpy.zeros((1, 4, 3, 3)), ksize=2)

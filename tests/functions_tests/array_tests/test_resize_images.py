import numpy
import pytest

import rechain
import rechain.functions as F


def _ref(x, oh, ow, mode, align_corners):
    n, c, h, w = x.shape
    y = numpy.zeros((n, c, oh, ow))

    def pos(i, out_n, in_n):
        if mode == "nearest":
            return min(int(numpy.floor(i * in_n / out_n)), in_n - 1), 0.0
        if align_corners:
            p = i * (in_n - 1) / (out_n - 1) if out_n > 1 else 0.0
        else:
            p = max((i + 0.5) * in_n / out_n - 0.5, 0.0)
        return int(p), p - int(p)
    for i in range(oh):
        r, fr = pos(i, oh, h)
        r1 = min(r + 1, h - 1)
        for j in range(ow):
            q, fq = pos(j, ow, w)
            q1 = min(q + 1, w - 1)
            y[:, :, i, j] = ((1 - fr) * (1 - fq) * x[:, :, r, q] + (1 - fr) * fq * x[:, :, r, q1]
                             + fr * (1 - fq) * x[:, :, r1, q] + fr * fq * x[:, :, r1, q1])
    return y


@pytest.mark.parametrize("mode,align", [("bilinear", True), ("bilinear", False),
                                        ("nearest", True)])
@pytest.mark.parametrize("out", [(7, 3), (2, 5), (4, 4), (1, 1)])
def test_forward(mode, align, out, dtype, rng):
    x = rng.normal(size=(2, 3, 4, 4)).astype(dtype)
    y = F.resize_images(x, out, mode=mode, align_corners=align)
    assert y.dtype == dtype and y.shape == (2, 3) + out
    numpy.testing.assert_allclose(y.array, _ref(x.astype(float), *out, mode, align),
                                  rtol=1e-5, atol=1e-6)


def test_same_size_is_identity(rng):
    x = rng.normal(size=(1, 2, 3, 5))
    numpy.testing.assert_allclose(F.resize_images(x, (3, 5)).array, x, rtol=0, atol=1e-15)


@pytest.mark.parametrize("mode,align", [("bilinear", True), ("bilinear", False),
                                        ("nearest", True)])
def test_gradients(check_grads, rng, mode, align):
    x = rng.normal(size=(1, 2, 3, 4))
    check_grads(lambda x: F.resize_images(x, (5, 3), mode=mode, align_corners=align), (x,))


def test_forget_gives_plain_outputs_and_gradients(rng):
    x_data = rng.normal(size=(2, 1, 3, 3))
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        g = lambda x: F.tanh(F.resize_images(F.sin(x), (5, 4)))  # noqa: E731
        y = F.forget(g, x) if use else g(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"resize_images: x must have 4 dimensions, got "
                                                   r"shape \(3, 4, 4\)"):
        F.resize_images(numpy.zeros((3, 4, 4)), (2, 2))
    with pytest.raises(ValueError, match="resize_images: output_shape must be a pair of positive "
                                         r"ints \(out_H, out_W\), got \(0, 2\)"):
        F.resize_images(numpy.zeros((1, 1, 4, 4)), (0, 2))
    with pytest.raises(ValueError, match="resize_images: mode must be 'bilinear' or 'nearest'"):
        F.resize_images(numpy.zeros((1, 1, 4, 4)), (2, 2), mode="bicubic")

import math

import numpy
import pytest

import rechain.functions as F
from rechain.utils import type_check


def ref(x, height):
    """Each level: the max over each cell of a 2^l grid of windows, by loops."""
    n, c, h, w = x.shape
    out = []
    for level in range(height):
        b = 2 ** level
        kh, kw = math.ceil(h / b), math.ceil(w / b)
        ph, pw = (kh * b - h) // 2, (kw * b - w) // 2
        oh, ow = (h + 2 * ph - kh + kh - 1) // kh + 1, (w + 2 * pw - kw + kw - 1) // kw + 1
        y = numpy.full((n, c, oh, ow), -numpy.inf)
        for i in range(oh):
            for j in range(ow):
                r0, c0 = max(i * kh - ph, 0), max(j * kw - pw, 0)
                y[:, :, i, j] = x[:, :, r0:i * kh - ph + kh, c0:j * kw - pw + kw].max(axis=(2, 3))
        out.append(y.reshape(n, -1))
    return numpy.concatenate(out, axis=1)[:, :, None, None]


def _distinct(shape, rng):
    k = int(numpy.prod(shape))
    return rng.permutation(k).reshape(shape) * 0.05 - k * 0.025


@pytest.mark.parametrize("shape,height", [((2, 3, 9, 8), 3), ((1, 2, 5, 7), 2),
                                          ((2, 1, 4, 4), 1), ((1, 2, 12, 10), 3)])
def test_forward_against_loops(shape, height):
    x = _distinct(shape, numpy.random.default_rng(0)).astype(numpy.float32)
    y = F.spatial_pyramid_pooling_2d(x, height, pooling="max")
    assert y.shape == (shape[0], shape[1] * sum(4 ** i for i in range(height)), 1, 1)
    numpy.testing.assert_array_equal(y.array, ref(x.astype(numpy.float64), height))


def test_gradients_and_forget(grads, forget_matches_plain_fx):
    x = _distinct((2, 3, 9, 8), numpy.random.default_rng(1))
    grads(lambda x: F.spatial_pyramid_pooling_2d(x, 3, pooling="max"), (x,))
    forget_matches_plain_fx(lambda x: F.spatial_pyramid_pooling_2d(F.sin(x), 2, "max"), (x,))


def test_bad_input():
    x = numpy.zeros((2, 3, 9, 8), numpy.float32)
    with pytest.raises(ValueError, match=r"spatial_pyramid_pooling_2d: pooling must be given"):
        F.spatial_pyramid_pooling_2d(x, 3)
    with pytest.raises(ValueError, match=r"spatial_pyramid_pooling_2d: unsupported pooling "
                                         r"'avg'"):
        F.spatial_pyramid_pooling_2d(x, 3, pooling="avg")
    with pytest.raises(type_check.InvalidType,
                       match=r"spatial_pyramid_pooling_2d: x must have a floating-point dtype"):
        F.spatial_pyramid_pooling_2d(x.astype(numpy.int32), 3, pooling="max")
    with pytest.raises(type_check.InvalidType, match=r"x \(2, 3, 9, 8\) is smaller than the "
                                                     r"finest grid \(16, 16\)"):
        F.spatial_pyramid_pooling_2d(x, 5, pooling="max")
    with pytest.raises(ValueError, match=r"pyramid_height must be a positive int, got 0"):
        F.spatial_pyramid_pooling_2d(x, 0, pooling="max")

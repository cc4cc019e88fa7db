import numpy
import pytest

import rechain.functions as F
import rechain.links as L
from rechain.utils import type_check


def test_depthwise_link_shapes_lazy_init_and_forward():
    rng = numpy.random.default_rng(0)
    conv = L.DepthwiseConvolution2D(None, 2, 3, stride=1, pad=1)
    assert conv.W.array is None
    x = rng.uniform(-1, 1, (2, 3, 5, 5)).astype(numpy.float32)
    y = conv(x)
    assert conv.W.shape == (2, 3, 3, 3) and conv.b.shape == (6,) and y.shape == (2, 6, 5, 5)
    numpy.testing.assert_allclose(
        y.array, F.depthwise_convolution_2d(x, conv.W.array, conv.b.array, 1, 1).array)
    F.sum(y * y).backward()
    assert conv.W.grad.shape == (2, 3, 3, 3) and conv.b.grad.shape == (6,)
    # Chainer's default: HeNormal(1 / sqrt(2)), std = sqrt(1 / fan_in), fan_in = 3 * 3 * 3
    big = L.DepthwiseConvolution2D(64, 8, 3)
    assert abs(big.W.array.std() - numpy.sqrt(1 / (64 * 9))) < 0.1 * numpy.sqrt(1 / (64 * 9))
    with pytest.raises(type_check.InvalidType, match=r"input of shape \(2, 4, 5, 5\) has 4 "
                                                     r"channels, but the layer expects 3"):
        conv(numpy.zeros((2, 4, 5, 5), numpy.float32))
    nb = L.DepthwiseConvolution2D(3, 1, 2, nobias=True, initialW=1.0)
    numpy.testing.assert_array_equal(nb(numpy.ones((1, 3, 2, 2), numpy.float32)).array,
                                     numpy.full((1, 3, 1, 1), 4.0))


def test_dilated_link():
    conv = L.DilatedConvolution2D(2, 3, 3, 1, 2, 2, initial_bias=0.5)
    x = numpy.random.default_rng(1).uniform(-1, 1, (1, 2, 6, 6)).astype(numpy.float32)
    y = conv(x)
    assert conv.dilate == 2 and y.shape == (1, 3, 6, 6)
    numpy.testing.assert_allclose(y.array, F.convolution_2d(x, conv.W.array, conv.b.array,
                                                            pad=2, dilate=2).array)
    short = L.DilatedConvolution2D(4, 3, dilate=2)   # (out_channels, ksize)
    assert short(x).shape == (1, 4, 2, 2) and short.W.shape == (4, 2, 3, 3)

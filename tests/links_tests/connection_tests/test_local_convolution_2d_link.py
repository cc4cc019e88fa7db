import numpy
import pytest

import rechain.functions as F
import rechain.links as L
from rechain.utils import type_check


@pytest.mark.parametrize("stride", [1, 2])
def test_lazy_shapes_and_forward(stride):
    x = numpy.random.default_rng(0).uniform(-1, 1, (2, 3, 7, 6)).astype(numpy.float32)
    conv = L.LocalConvolution2D(None, 4, ksize=3, stride=stride, initial_bias=0.25)
    y = conv(x)
    oh, ow = (7 - 3) // stride + 1, (6 - 3) // stride + 1
    assert conv.W.shape == (4, oh, ow, 3, 3, 3) and conv.b.shape == (4, oh, ow)
    assert y.shape == (2, 4, oh, ow)
    numpy.testing.assert_allclose(
        y.array, F.local_convolution_2d(x, conv.W.array, conv.b.array, stride).array)
    numpy.testing.assert_array_equal(conv.b.array, 0.25)
    F.sum(y * y).backward()
    assert conv.W.grad.shape == conv.W.shape


def test_eager_and_errors():
    conv = L.LocalConvolution2D(2, 3, in_size=(4, 5), ksize=(2, 3), nobias=True)
    assert conv.W.shape == (3, 3, 3, 2, 2, 3) and conv.b is None
    with pytest.raises(TypeError, match="LocalConvolution2D: ksize is required"):
        L.LocalConvolution2D(2, 3)
    with pytest.raises(type_check.InvalidType, match=r"local_convolution_2d: W .* has \(3, 3\) "
                                                     r"output positions"):
        conv(numpy.zeros((1, 2, 5, 5), numpy.float32))

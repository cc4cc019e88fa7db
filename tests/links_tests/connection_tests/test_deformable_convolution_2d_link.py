import numpy

import rechain.functions as F
import rechain.links as L


def test_layer_is_offset_conv_then_sampler():
    rng = numpy.random.default_rng(0)
    conv = L.DeformableConvolution2D(None, 4, 3, pad=1, deform_initialW=0.1,
                                     offset_initialW=0.05)
    x = rng.uniform(-1, 1, (2, 3, 5, 6)).astype(numpy.float32)
    y = conv(x)
    assert conv.offset_conv.W.shape == (18, 3, 3, 3) and conv.deform_conv.W.shape == (4, 3, 3, 3)
    off = F.convolution_2d(x, conv.offset_conv.W.array, conv.offset_conv.b.array, pad=1)
    numpy.testing.assert_allclose(
        y.array, F.deformable_convolution_2d_sampler(x, off, conv.deform_conv.W.array,
                                                     conv.deform_conv.b.array, 1, 1).array,
        rtol=1e-6)
    F.sum(y * y).backward()
    assert conv.offset_conv.W.grad is not None and conv.deform_conv.W.grad.shape == (4, 3, 3, 3)


def test_default_filter_is_zero():
    conv = L.DeformableConvolution2D(2, 3, 2, deform_nobias=True)
    numpy.testing.assert_array_equal(conv.deform_conv.W.array, 0)
    assert conv.deform_conv.b is None
    y = conv(numpy.ones((1, 2, 3, 3), numpy.float32))
    numpy.testing.assert_array_equal(y.array, 0)

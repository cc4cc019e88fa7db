import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.deconvolution_2d import Deconvolution2D
from rechain.utils.type_check import InvalidType


def _conv_ref(x, W, b, stride, pad, groups=1):
    n, c, h, w = x.shape
    oc, icg, kh, kw = W.shape
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (w + 2 * pad - kw) // stride + 1
    y = numpy.zeros((n, oc, oh, ow), x.dtype)
    ocg = oc // groups
    for o in range(oc):
        gi = o // ocg
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, gi * icg:(gi + 1) * icg, i * stride:i * stride + kh,
                           j * stride:j * stride + kw]
                y[:, o, i, j] = (patch * W[o]).sum(axis=(1, 2, 3))
    return y + b.reshape(1, -1, 1, 1)


@pytest.mark.parametrize("stride,pad,groups", [(1, 1, 1), (2, 0, 1), (1, 0, 2)])
def test_convolution_forward(stride, pad, groups):
    link = Convolution2D(4, 6, 3, stride=stride, pad=pad, groups=groups, initial_bias=0.1)
    assert link.W.shape == (6, 4 // groups, 3, 3)
    x = numpy.random.rand(2, 4, 5, 5)
    x = x.astype(numpy.float32)
    y = link(x)
    ref = _conv_ref(x, link.W.array, link.b.array, stride, pad, groups)
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-5, atol=1e-5)


def test_convolution_lazy_and_short_form():
    for link in (Convolution2D(None, 5, 3), Convolution2D(5, 3)):
        assert not link.W.is_initialized
        y = link(numpy.ones((1, 2, 4, 4), numpy.float32))
        assert link.W.shape == (5, 2, 3, 3) and link.in_channels == 2 and y.shape == (1, 5, 2, 2)


def test_convolution_nobias_and_grads():
    link = Convolution2D(2, 3, 2, nobias=True)
    assert link.b is None
    F.sum(link(numpy.random.rand(1, 2, 3, 3).astype(numpy.float32))).backward()
    assert link.W.grad.shape == (3, 2, 2, 2)


def test_convolution_bad_inputs():
    link = Convolution2D(3, 4, 3)
    with pytest.raises(InvalidType, match=r"Convolution2D.*\(1, 2, 5, 5\) has 2 channels.*"
                                          r"expects 3"):
        link(numpy.ones((1, 2, 5, 5), numpy.float32))
    with pytest.raises(InvalidType, match=r"4-d.*\(2, 3\)"):
        link(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(ValueError, match="groups=2 must divide in_channels=3"):
        Convolution2D(3, 4, 3, groups=2)
    lazy = Convolution2D(None, 4, 3, groups=2)
    with pytest.raises(ValueError, match="groups=2 must divide in_channels=3"):
        lazy(numpy.ones((1, 3, 5, 5), numpy.float32))


def test_deconvolution_is_adjoint_of_convolution():
    x = numpy.random.rand(2, 3, 4, 4)
    with rechain.using_config("dtype", numpy.dtype(numpy.float64)):
        deconv = Deconvolution2D(3, 5, 3, stride=2, pad=1, nobias=True,
                                 initialW=numpy.random.rand(3, 5, 3, 3))
    assert deconv.W.dtype == numpy.float64
    y = deconv(x)
    assert y.shape == (2, 5, 7, 7)
    z = numpy.random.rand(*y.shape)
    # <deconv(x), z> == <x, conv(z)> with the same filter
    back = F.convolution_2d(z, deconv.W.array, stride=2, pad=1)
    numpy.testing.assert_allclose((y.array * z).sum(), (x * back.array).sum(), rtol=1e-10)


def test_deconvolution_lazy_short_form_outsize_and_errors():
    d = Deconvolution2D(4, 2, stride=2, outsize=(9, 9))
    y = d(numpy.ones((1, 3, 4, 4), numpy.float32))
    assert d.W.shape == (3, 4, 2, 2) and y.shape == (1, 4, 9, 9)
    with pytest.raises(InvalidType, match=r"Deconvolution2D.*has 2 channels.*expects 3"):
        d(numpy.ones((1, 2, 4, 4), numpy.float32))
    g = Deconvolution2D(4, 6, 1, groups=2)
    assert g.W.shape == (4, 3, 1, 1)

import re

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L


def _npz_keys(link, tmp_path):
    p = tmp_path / "m.npz"
    rechain.serializers.save_npz(str(p), link)
    with numpy.load(str(p)) as f:
        return sorted(f.files)


def _conv1d_ref(x, W, b, stride, pad):
    xp = numpy.pad(x, ((0, 0), (0, 0), (pad, pad)))
    k = W.shape[2]
    out = (xp.shape[2] - k) // stride + 1
    y = numpy.zeros((x.shape[0], W.shape[0], out))
    for i in range(out):
        y[:, :, i] = numpy.einsum("nck,ock->no", xp[:, :, i * stride:i * stride + k], W)
    return y + b[None, :, None]


def test_convolution_1d_forward_and_params():
    link = L.Convolution1D(3, 5, 3, stride=2, pad=1, initial_bias=0.5)
    assert link.W.shape == (5, 3, 3) and link.b.shape == (5,)
    numpy.testing.assert_array_equal(link.b.array, 0.5)
    x = numpy.random.default_rng(0).normal(size=(2, 3, 9)).astype(numpy.float32)
    y = link(x)
    numpy.testing.assert_allclose(y.array, _conv1d_ref(x, link.W.array, link.b.array, 2, 1),
                                  rtol=1e-5, atol=1e-5)


def test_convolution_nd_matches_function_and_gradients_flow():
    link = L.ConvolutionND(3, 2, 4, (2, 3, 2), stride=(1, 2, 1), pad=1, dilate=(1, 1, 2))
    x = rechain.Variable(numpy.random.default_rng(1).normal(size=(2, 2, 4, 5, 6))
                         .astype(numpy.float32))
    y = link(x)
    ref = F.convolution_nd(x.array, link.W.array, link.b.array, stride=(1, 2, 1), pad=1,
                           dilate=(1, 1, 2))
    numpy.testing.assert_array_equal(y.array, ref.array)
    F.sum(y * y).backward()
    assert link.W.grad.shape == link.W.shape and link.b.grad.shape == (4,)
    assert x.grad.shape == x.shape


@pytest.mark.parametrize("make", [lambda: L.ConvolutionND(2, None, 4, 3),
                                  lambda: L.ConvolutionND(2, 4, 3),
                                  lambda: L.Convolution3D(4, 2),
                                  lambda: L.Convolution1D(None, 4, 3)])
def test_lazy_and_short_forms(make):
    link = make()
    assert not link.W.is_initialized
    nd = link.ndim
    y = link(numpy.ones((1, 6) + (5,) * nd, numpy.float32))
    assert link.W.shape[:2] == (4, 6) and link.in_channels == 6
    assert y.shape[:2] == (1, 4)


def test_groups_nobias_cover_all():
    link = L.Convolution1D(4, 6, 2, stride=2, nobias=True, cover_all=True, groups=2)
    assert link.b is None and link.W.shape == (6, 2, 2)
    y = link(numpy.ones((1, 4, 5), numpy.float32))
    assert y.shape == (1, 6, 3)


@pytest.mark.parametrize("make,keys", [
    (lambda: L.ConvolutionND(2, 3, 4, 3), ["W", "b"]),
    (lambda: L.Convolution1D(3, 4, 3, nobias=True), ["W"]),
    (lambda: L.DeconvolutionND(3, 3, 4, 2), ["W", "b"]),
    (lambda: L.Deconvolution1D(3, 4, 2), ["W", "b"]),
])
def test_npz_keys(make, keys, tmp_path):
    link = make()
    assert _npz_keys(link, tmp_path) == keys
    other = make()
    rechain.serializers.load_npz(str(tmp_path / "m.npz"), other)
    numpy.testing.assert_array_equal(other.W.array, link.W.array)


def test_deconvolution_1d_forward():
    link = L.Deconvolution1D(3, 4, 3, stride=2, initial_bias=0.25)
    assert link.W.shape == (3, 4, 3)
    x = numpy.random.default_rng(2).normal(size=(2, 3, 5)).astype(numpy.float32)
    y = link(x)
    W = link.W.array.astype(numpy.float64)
    ref = numpy.zeros((2, 4, 11))
    for i in range(5):
        ref[:, :, 2 * i:2 * i + 3] += numpy.einsum("nc,cok->nok", x[:, :, i], W)
    numpy.testing.assert_allclose(y.array, ref + 0.25, rtol=1e-5, atol=1e-5)


def test_deconvolution_nd_outsize_and_lazy():
    link = L.DeconvolutionND(2, 4, 3, stride=2, pad=1, outsize=(8, 7))
    y = link(numpy.ones((1, 5, 4, 4), numpy.float32))
    assert y.shape == (1, 4, 8, 7) and link.W.shape == (5, 4, 3, 3)
    link3 = L.Deconvolution3D(1, 2, 2)
    assert link3(numpy.ones((1, 1, 2, 2, 2), numpy.float32)).shape == (1, 2, 3, 3, 3)


def test_forget_gives_plain_outputs_and_gradients():
    rng = numpy.random.default_rng(3)
    x_data = rng.normal(size=(2, 3, 8))
    convs = [L.Convolution1D(3, 4, 3, pad=1), L.Deconvolution1D(4, 3, 2, stride=2)]
    for c in convs:
        c.W.array = c.W.array.astype(numpy.float64)
        c.b.array = c.b.array.astype(numpy.float64)

    def f(x):
        return convs[1](F.relu(convs[0](x)))
    out = []
    for use in (False, True):
        for c in convs:
            c.cleargrads()
        x = rechain.Variable(x_data.copy())
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append([y.array, x.grad] + [p.grad for c in convs for p in (c.W, c.b)])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: L.Convolution1D(3, 4, 3)(numpy.ones((1, 3, 4, 4), numpy.float32)),
     rechain.InvalidType, "Convolution1D: input must be 3-d (N, C, 1 spatial axes), got shape "
                          "(1, 3, 4, 4)"),
    (lambda: L.ConvolutionND(2, 3, 4, 3)(numpy.ones((1, 2, 5, 5), numpy.float32)),
     rechain.InvalidType, "ConvolutionND: input of shape (1, 2, 5, 5) has 2 channels, but the "
                          "layer expects 3"),
    (lambda: L.DeconvolutionND(2, 3, 4, 3)(numpy.ones((1, 2, 5, 5), numpy.float32)),
     rechain.InvalidType, "DeconvolutionND: input of shape (1, 2, 5, 5) has 2 channels, but "
                          "the layer expects 3"),
    (lambda: L.ConvolutionND(2, 3, 4, (3, 3, 3)), ValueError,
     "ConvolutionND: ksize must be an int or a sequence of 2 ints, got (3, 3, 3)"),
    (lambda: L.ConvolutionND(0, 3, 4, 3), ValueError,
     "ConvolutionND: ndim must be a positive int, got 0"),
    (lambda: L.Convolution1D(3, 4, 3, groups=2), ValueError,
     "Convolution1D: groups=2 must divide in_channels=3 and out_channels=4"),
])
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=re.escape(match)):
        call()


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    link = L.Convolution1D(3, 4, 3).to_gpu()
    x = numpy.random.default_rng(4).normal(size=(2, 3, 7)).astype(numpy.float32)
    y = link(cp.asarray(x))
    ref = _conv1d_ref(x, cp.asnumpy(link.W.array), cp.asnumpy(link.b.array), 1, 0)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), ref, rtol=1e-4, atol=1e-4)

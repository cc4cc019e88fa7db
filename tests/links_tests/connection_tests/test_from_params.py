"""The from_params constructors of Chainer's connection links."""

import numpy
import pytest

import rechain.links as L


def test_linear_from_params():
    rng = numpy.random.default_rng(0)
    W, b = rng.normal(size=(4, 3)).astype("f"), rng.normal(size=4).astype("f")
    link = L.Linear.from_params(W, b)
    numpy.testing.assert_array_equal(link.W.array, W)
    numpy.testing.assert_array_equal(link.b.array, b)
    assert link.W.array is not W
    assert L.Linear.from_params(W, b, nobias=True).b is None
    x = rng.normal(size=(2, 3)).astype("f")
    numpy.testing.assert_allclose(link(x).array, x @ W.T + b, rtol=1e-6)
    with pytest.raises(ValueError, match=r"Linear.from_params: b of size 3 does not match "
                                         r"out_size 4"):
        L.Linear.from_params(W, b[:3])


@pytest.mark.parametrize("groups", [1, 2])
def test_convolution_from_params(groups):
    rng = numpy.random.default_rng(1)
    W = rng.normal(size=(4, 2, 3, 3)).astype("f")
    conv = L.Convolution2D.from_params(W, numpy.zeros(4, "f"), 1, 1, groups=groups)
    assert conv.groups == groups and conv.W.shape == W.shape
    x = rng.normal(size=(1, 2 * groups, 5, 5)).astype("f")
    assert conv(x).shape == (1, 4, 5, 5)
    nd = L.ConvolutionND.from_params(rng.normal(size=(2, 3, 2, 2, 2)).astype("f"))
    assert nd(numpy.ones((1, 3, 3, 3, 3), "f")).shape == (1, 2, 2, 2, 2)
    c1 = L.Convolution1D.from_params(numpy.ones((2, 3, 2), "f"), stride=2)
    assert c1(numpy.ones((1, 3, 6), "f")).shape == (1, 2, 3)


def test_embed_id_from_params():
    W = numpy.arange(6, dtype="f").reshape(3, 2)
    emb = L.EmbedID.from_params(W, ignore_label=-1)
    numpy.testing.assert_array_equal(emb(numpy.array([2, -1], numpy.int32)).array,
                                     [[4, 5], [0, 0]])

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L


def test_crf1d_link_matches_the_function_and_learns():
    rng = numpy.random.default_rng(0)
    crf = L.CRF1d(3, initial_cost=rng.normal(size=(3, 3)))
    assert crf.cost.shape == (3, 3)
    seqs = [rng.normal(size=(n, 3)).astype(numpy.float32) for n in (2, 4, 3)]
    labels = [rng.integers(0, 3, n).astype(numpy.int32) for n in (2, 4, 3)]
    loss = crf(seqs, labels, transpose=True)
    order = [1, 2, 0]
    xs = F.transpose_sequence([seqs[i] for i in order])
    ys = [y.array for y in F.transpose_sequence([labels[i] for i in order])]
    numpy.testing.assert_allclose(loss.array, F.crf1d(crf.cost.array, xs, ys).array,
                                  rtol=1e-6)
    loss.backward()
    assert crf.cost.grad.shape == (3, 3) and numpy.abs(crf.cost.grad).sum() > 0


def test_crf1d_link_argmax_transpose_keeps_the_input_order():
    rng = numpy.random.default_rng(1)
    crf = L.CRF1d(3, initial_cost=rng.normal(size=(3, 3)))
    seqs = [rng.normal(size=(n, 3)).astype(numpy.float32) for n in (2, 4, 3)]
    score, path = crf.argmax(seqs, transpose=True)
    assert [len(p) for p in path] == [2, 4, 3]
    for x, p in zip(seqs, path):  # each path is its own sequence's best one
        _, alone = crf.argmax([x[t:t + 1] for t in range(len(x))])
        numpy.testing.assert_array_equal(p, numpy.concatenate(alone))


def test_crf1d_bad_n_label():
    with pytest.raises(ValueError, match="CRF1d: n_label must be a positive int, got 0"):
        L.CRF1d(0)


def test_blackout_link_uses_its_sampler_and_sample_data():
    rechain.random.seed(0)
    bo = L.BlackOut(4, [5, 3, 2, 1], sample_size=3)
    assert bo.W.shape == (4, 4) and numpy.isnan(bo.W.array).all()  # NaN until set, as Chainer
    bo.W.array[...] = numpy.random.default_rng(2).normal(size=(4, 4))
    x = numpy.random.default_rng(3).normal(size=(2, 4)).astype(bo.W.dtype)
    t = numpy.array([0, 2], numpy.int32)
    bo.sample_data = numpy.array([[1, 2, 3], [0, 1, 3]])
    loss = bo(x, t)
    want = F.black_out(x, t, bo.W.array, bo.sample_data)
    numpy.testing.assert_allclose(loss.array, want.array, rtol=1e-6)
    bo.sample_data = None
    rechain.random.seed(5)
    a = bo(x, t).array
    rechain.random.seed(5)
    numpy.testing.assert_array_equal(bo(x, t).array, a)
    loss = bo(x, t)
    loss.backward()
    assert numpy.isfinite(bo.W.grad).all()


def test_blackout_bad_counts():
    with pytest.raises(ValueError, match=r"BlackOut: counts must be a non-empty 1-d sequence"):
        L.BlackOut(3, [], 2)


def test_simplified_dropconnect_link():
    rechain.random.seed(1)
    layer = L.SimplifiedDropconnect(None, 3, ratio=0.4)
    x = numpy.random.default_rng(0).normal(size=(5, 2, 2)).astype(numpy.float32)
    mask = numpy.random.default_rng(1).uniform(size=(5, 3, 4)) >= 0.4
    y = layer(x, mask=mask)
    assert layer.W.shape == (3, 4) and layer.b.shape == (3,)
    want = F.simplified_dropconnect(x, layer.W.array, layer.b.array, 0.4, mask=mask)
    numpy.testing.assert_array_equal(y.array, want.array)
    F.sum(y).backward()
    assert layer.W.grad.shape == (3, 4)
    numpy.testing.assert_array_equal(layer(x, train=False).array,
                                     F.linear(x.reshape(5, 4), layer.W.array, layer.b.array).array)

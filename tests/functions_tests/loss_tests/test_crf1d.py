import itertools

import numpy
import pytest

import rechain
import rechain.functions as F


def _seqs(rng, lengths, k, dtype=numpy.float64):
    """Per-example unary scores and labels, and their transposed (xs, ys) form."""
    ex = [rng.normal(size=(n, k)).astype(dtype) for n in lengths]
    labels = [rng.integers(0, k, n) for n in lengths]
    T = max(lengths)
    xs = [numpy.stack([e[t] for e in ex if len(e) > t]) for t in range(T)]
    ys = [numpy.array([y[t] for y in labels if len(y) > t], numpy.int32) for t in range(T)]
    return ex, labels, xs, ys


def _path_score(cost, e, path):
    return sum(e[t, s] for t, s in enumerate(path)) + sum(
        cost[a, b] for a, b in zip(path[:-1], path[1:]))


def _brute(cost, e):
    k = cost.shape[0]
    scores = {p: _path_score(cost, e, p) for p in itertools.product(range(k), repeat=len(e))}
    best = max(scores, key=scores.get)
    v = numpy.array(list(scores.values()))
    return numpy.log(numpy.exp(v - v.max()).sum()) + v.max(), best, scores[best]


@pytest.mark.parametrize("lengths", [[3, 3], [4, 2, 1], [1]])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_crf1d_forward(lengths, dtype):
    rng = numpy.random.default_rng(0)
    cost = rng.normal(size=(3, 3)).astype(dtype)
    ex, labels, xs, ys = _seqs(rng, lengths, 3, dtype)
    want = numpy.array([_brute(cost.astype(float), e.astype(float))[0]
                        - _path_score(cost.astype(float), e.astype(float), y)
                        for e, y in zip(ex, labels)])
    got = F.crf1d(cost, xs, ys, reduce="no")
    assert got.dtype == dtype and got.shape == (len(lengths),)
    numpy.testing.assert_allclose(got.array, want, rtol=1e-5)
    numpy.testing.assert_allclose(F.crf1d(cost, xs, ys).array, want.mean(), rtol=1e-5)


@pytest.mark.parametrize("lengths", [[3, 3], [4, 2, 1]])
def test_argmax_crf1d_finds_the_best_path(lengths):
    rng = numpy.random.default_rng(1)
    cost = rng.normal(size=(3, 3))
    ex, _, xs, _ = _seqs(rng, lengths, 3)
    score, path = F.argmax_crf1d(cost, xs)
    assert [p.shape for p in path] == [x.shape[:1] for x in xs]
    for b, e in enumerate(ex):
        _, best, best_score = _brute(cost, e)
        assert tuple(int(path[t][b]) for t in range(len(e))) == best
        numpy.testing.assert_allclose(score.array[b], best_score, rtol=1e-12)


@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_crf1d_gradients(check_grads, reduce):
    rng = numpy.random.default_rng(2)
    cost = rng.normal(size=(3, 3))
    _, _, xs, ys = _seqs(rng, [3, 2], 3)
    check_grads(lambda c, *xs: F.crf1d(c, list(xs), ys, reduce=reduce), (cost,) + tuple(xs))


def test_argmax_crf1d_score_gradient(check_grads):
    rng = numpy.random.default_rng(3)
    cost = rng.normal(size=(2, 2))
    _, _, xs, _ = _seqs(rng, [3, 1], 2)
    check_grads(lambda c, *xs: F.argmax_crf1d(c, list(xs))[0], (cost,) + tuple(xs))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(4)
    cost = rng.normal(size=(3, 3))
    _, _, xs, ys = _seqs(rng, [3, 2, 2], 3)
    forget_matches_plain(lambda c, a, b, d: F.crf1d(c, [a, b, d], ys), (cost,) + tuple(xs))


def test_bad_input():
    cost = numpy.zeros((3, 3))
    xs = [numpy.zeros((2, 3)), numpy.zeros((3, 3))]
    ys = [numpy.zeros(2, numpy.int32), numpy.zeros(3, numpy.int32)]
    with pytest.raises(rechain.InvalidType, match=r"crf1d: batch sizes must not increase along "
                                                   r"the sequence .* got xs\[0\] with 2 and "
                                                   r"xs\[1\] with 3"):
        F.crf1d(cost, xs, ys)
    with pytest.raises(rechain.InvalidType, match=r"crf1d: xs\[0\] must have shape \(B, 3\) for "
                                                   r"cost of shape \(3, 3\), got \(2, 2\)"):
        F.crf1d(cost, [numpy.zeros((2, 2))], [numpy.zeros(2, numpy.int32)])
    with pytest.raises(ValueError, match=r"crf1d: label 5 at position 1 of ys\[0\] is out of "
                                         r"range: labels must be in \[0, 3\)"):
        F.crf1d(cost, [numpy.zeros((2, 3))], [numpy.array([0, 5])])
    with pytest.raises(rechain.InvalidType, match=r"argmax_crf1d: cost must be a square \(K, K\) "
                                                   r"matrix, got shape \(3, 2\)"):
        F.argmax_crf1d(numpy.zeros((3, 2)), [numpy.zeros((2, 3))])


def test_argmax_crf1d_under_forget_gives_plain_score_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(5)
    cost = rng.normal(size=(3, 3))
    _, _, xs, _ = _seqs(rng, [3, 1], 3)
    forget_matches_plain(lambda c, a, b, d: F.argmax_crf1d(c, [a, b, d])[0], (cost,) + tuple(xs))

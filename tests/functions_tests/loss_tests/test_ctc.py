import itertools

import numpy
import pytest

import rechain
import rechain.functions as F

ctc = F.connectionist_temporal_classification


def _brute(x, labels, blank):
    """-log of the summed probability of every frame labelling that collapses to ``labels``."""
    logp = x - numpy.log(numpy.exp(x).sum(axis=1, keepdims=True))
    total = 0.0
    for path in itertools.product(range(x.shape[1]), repeat=len(x)):
        out = [k for i, k in enumerate(path) if k != blank and (i == 0 or path[i - 1] != k)]
        if out == list(labels):
            total += numpy.exp(sum(logp[t, k] for t, k in enumerate(path)))
    return -numpy.log(total)


@pytest.mark.parametrize("blank", [0, 2])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward_against_brute_force(blank, dtype):
    rng = numpy.random.default_rng(0)
    T, B, V = 5, 3, 3
    x = rng.normal(size=(T, B, V)).astype(dtype)
    labels = [l for l in range(V) if l != blank]
    t = numpy.array([[labels[0], labels[1]], [labels[1], labels[1]], [labels[0], labels[0]]])
    got = ctc(list(x), t, blank, reduce="no")
    want = [_brute(x[:, b].astype(float), t[b], blank) for b in range(B)]
    assert got.dtype == dtype and got.shape == (B,)
    numpy.testing.assert_allclose(got.array, want, rtol=1e-5)
    numpy.testing.assert_allclose(ctc(list(x), t, blank).array, numpy.mean(want), rtol=1e-5)


def test_input_and_label_lengths():
    rng = numpy.random.default_rng(1)
    T, B, V = 5, 3, 3
    x = rng.normal(size=(T, B, V))
    t = numpy.array([[1, 2, 1], [2, 2, 0], [1, 1, 1]])
    in_len = numpy.array([5, 3, 4])
    lab_len = numpy.array([3, 1, 0])
    got = ctc(list(x), t, 0, input_length=in_len, label_length=lab_len, reduce="no").array
    for b in range(B):
        want = _brute(x[:in_len[b], b], t[b, :lab_len[b]], 0)
        numpy.testing.assert_allclose(got[b], want, rtol=1e-6)


def test_impossible_labelling_is_huge_and_finite():
    x = [numpy.zeros((1, 3))] * 2
    loss = ctc(x, numpy.array([[1, 1]]), 0)  # 1 1 needs a blank between: three frames
    assert numpy.isfinite(loss.array) and loss.array > 1e20


@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_gradients(check_grads, reduce):
    rng = numpy.random.default_rng(2)
    x = tuple(rng.normal(size=(2, 4)) for _ in range(4))
    t = numpy.array([[1, 3], [2, 2]])
    check_grads(lambda *x: ctc(list(x), t, 0, input_length=numpy.array([4, 4]),
                               label_length=numpy.array([2, 1]), reduce=reduce), x)


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(3)
    x = tuple(rng.normal(size=(2, 3)) for _ in range(3))
    t = numpy.array([[1, 2], [2, 1]])
    forget_matches_plain(lambda *x: ctc(list(x), t, 0, reduce="no"), x)


def test_bad_input():
    x = [numpy.zeros((2, 3))] * 3
    t = numpy.zeros((2, 2), numpy.int32)
    f = "connectionist_temporal_classification"
    with pytest.raises(rechain.InvalidType, match=rf"{f}: x\[0\] and t must have the same batch "
                                                   rf"size, got x\[0\] \(2, 3\) and t \(3, 2\)"):
        ctc(x, numpy.zeros((3, 2), numpy.int32), 0)
    with pytest.raises(rechain.InvalidType, match=rf"{f}: every x\[i\] must have x\[0\]'s shape"):
        ctc(x[:2] + [numpy.zeros((2, 4))], t, 0)
    with pytest.raises(ValueError, match=rf"{f}: blank_symbol 3 is out of range for 3 classes"):
        ctc(x, t, 3)
    with pytest.raises(ValueError, match=rf"{f}: input_length must lie in \[0, 3\], got \[4, 1\]"):
        ctc(x, t, 0, input_length=numpy.array([4, 1]))
    with pytest.raises(ValueError, match=rf"{f}: labels in t must lie in \[0, 3\)"):
        ctc(x, t + 5, 0)

import numpy
import pytest

import rechain
import rechain.functions as F


def _ref(y, t, n, beta, ignore):
    pred = y.argmax(axis=1).reshape(t.shape)
    keep = t != ignore
    pred, t = pred[keep], t[keep]
    out = []
    for c in range(n):
        tp = numpy.sum((pred == c) & (t == c))
        rel, sup = numpy.sum(pred == c), numpy.sum(t == c)
        p = tp / rel if rel else numpy.nan
        r = tp / sup if sup else numpy.nan
        fb = (1 + beta ** 2) * p * r / (beta ** 2 * p + r) if (p + r) > 0 else numpy.nan
        out.append((p, r, fb, sup))
    return [numpy.array(a) for a in zip(*out)]


@pytest.mark.parametrize("label_num", [None, 5])
@pytest.mark.parametrize("beta", [1.0, 2.0])
@pytest.mark.parametrize("shape", [(40, 4), (10, 4, 3), (10, 4, 3, 1)])
def test_forward(label_num, beta, shape):
    rng = numpy.random.default_rng(0)
    y = rng.normal(size=shape).astype(numpy.float32)
    tshape = (shape[0],) + shape[2:3]
    t = rng.integers(-1, 4, tshape)  # -1 is ignored
    t.flat[0] = 3  # max(t) + 1 is 4
    p, r, f, s = F.classification_summary(y, t, label_num=label_num, beta=beta)
    n = 4 if label_num is None else label_num
    want = _ref(y, t, n, beta, -1)
    for got, w in zip((p, r, f, s), want):
        assert got.shape == (n,) and not got.requires_grad
        numpy.testing.assert_allclose(got.array, w, rtol=1e-12)
    assert p.dtype == numpy.float64 and s.dtype.kind == "i"


def test_single_functions_agree_with_the_summary():
    rng = numpy.random.default_rng(1)
    y, t = rng.normal(size=(30, 3)), rng.integers(0, 3, 30)
    p, r, f, s = F.classification_summary(y, t)
    for fn, want in ((F.precision, p), (F.recall, r), (F.f1_score, f)):
        got, sup = fn(y, t)
        numpy.testing.assert_array_equal(got.array, want.array)
        numpy.testing.assert_array_equal(sup.array, s.array)


def test_known_values_and_nan_for_absent_classes():
    y = numpy.array([[0., 1., 0.], [1., 0., 0.], [0., 1., 0.], [0., 1., 0.]])
    t = numpy.array([1, 1, 0, 7])
    p, r, f, s = F.classification_summary(y, t, label_num=3, ignore_label=7)
    numpy.testing.assert_array_equal(p.array, [0.0, 0.5, numpy.nan])
    numpy.testing.assert_array_equal(r.array, [0.0, 0.5, numpy.nan])
    numpy.testing.assert_array_equal(f.array, [numpy.nan, 0.5, numpy.nan])
    numpy.testing.assert_array_equal(s.array, [1, 2, 0])


def test_perfect_prediction():
    t = numpy.array([0, 2, 1, 2])
    y = numpy.eye(3)[t]
    p, r, f, s = F.classification_summary(y, t)
    for v in (p, r, f):
        numpy.testing.assert_array_equal(v.array, [1.0, 1.0, 1.0])
    numpy.testing.assert_array_equal(s.array, [1, 1, 2])


def test_bad_input():
    y = numpy.zeros((3, 2), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"precision: y and t must have the same "
                                                   r"batch size, got y \(3, 2\) and t \(2,\)"):
        F.precision(y, numpy.zeros(2, numpy.int32))
    with pytest.raises(rechain.InvalidType, match="recall: t must have an integer dtype"):
        F.recall(y, numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match=r"f1_score: label 4 at position 2 of t is out of "
                                         r"range: labels must be in \[0, 3\)"):
        F.f1_score(y, numpy.array([0, 1, 4]), label_num=3)
    with pytest.raises(ValueError, match=r"classification_summary: the batch is empty"):
        F.classification_summary(numpy.zeros((0, 2)), numpy.zeros(0, numpy.int32), label_num=2)

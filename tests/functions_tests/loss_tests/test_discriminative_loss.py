import numpy
import pytest

import rechain
import rechain.functions as F

dml = F.discriminative_margin_based_clustering_loss


def _ref(e, lab, dv, dd, k, norm, a, b, g):
    """Chainer's definition, written out with loops."""
    n = len(e)
    nm = (lambda v: numpy.abs(v).sum()) if norm == 1 else (lambda v: numpy.sqrt((v ** 2).sum()))
    means = numpy.zeros((k, n, k))
    for c in range(k):
        for i in range(n):
            m = lab[i] == c + 1
            if m.any():
                means[c, i] = e[i][:, m].mean(axis=1)
    reg = sum(nm(means[c]) for c in range(k)) / (k * n)
    var = 0.0
    for c in range(k):
        tot, cnt = 0.0, 0
        for i in range(n):
            for y, x in zip(*numpy.nonzero(lab[i] == c + 1)):
                tot += max(nm(e[i][:, y, x] - means[c, i]) - dv, 0) ** 2
                cnt += 1
        var += tot / max(cnt, 1)
    var /= k
    dist, count = 0.0, 0
    for ca in range(k):
        for cb in range(ca + 1, k):
            dist += sum(max(2 * dd - nm(means[ca, i] - means[cb, i]), 0) ** 2 for i in range(n))
            count += 1
    dist /= max(count * n, 1)
    return a * var, b * dist, g * reg


def _inputs(seed, n=2, k=3, h=4, w=5, dtype=numpy.float64):
    rng = numpy.random.default_rng(seed)
    e = rng.normal(size=(n, k, h, w)).astype(dtype)
    lab = rng.integers(0, k + 1, (n, h, w))
    return e, lab


@pytest.mark.parametrize("norm", [1, 2])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(norm, dtype):
    e, lab = _inputs(0, dtype=dtype)
    got = dml(e, lab, 0.5, 1.5, 3, norm=norm, alpha=1.0, beta=2.0, gamma=0.1)
    want = _ref(e.astype(float), lab, 0.5, 1.5, 3, norm, 1.0, 2.0, 0.1)
    for gv, wv in zip(got, want):
        assert gv.dtype == dtype and gv.shape == ()
        numpy.testing.assert_allclose(gv.array, wv, rtol=1e-5)


def test_absent_instance_and_known_values():
    e = numpy.zeros((1, 2, 2, 2))
    lab = numpy.array([[[1, 1], [0, 0]]])  # instance 2 absent: its mean is 0, as Chainer
    var, dist, reg = dml(e, lab, 0.5, 1.5, 2)
    assert float(var.array) == 0.0 and float(reg.array) == 0.0
    assert float(dist.array) == 9.0  # (2 * 1.5 - 0) ** 2 over one pair and one image


@pytest.mark.parametrize("norm", [1, 2])
def test_gradients(check_grads, norm):
    e, lab = _inputs(1, n=1, k=2, h=3, w=3)
    e = e * 2  # distances well away from the margins
    check_grads(lambda e: dml(e, lab, 0.3, 1.0, 2, norm=norm), (e,))


def test_l2_gradient_is_finite_for_coinciding_points():
    e = rechain.Variable(numpy.zeros((1, 2, 2, 2)))
    lab = numpy.array([[[1, 1], [2, 0]]])
    F.sum(F.stack(list(dml(e, lab, 0.5, 1.5, 2, norm=2)))).backward()
    assert numpy.isfinite(e.grad).all()


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    e, lab = _inputs(2)
    forget_matches_plain(lambda e: F.stack(list(dml(e, lab, 0.5, 1.5, 3))), (e,))


def test_bad_input():
    e, lab = _inputs(3)
    f = "discriminative_margin_based_clustering_loss"
    with pytest.raises(rechain.InvalidType, match=rf"{f}: embeddings must have max_embedding_dim "
                                                   rf"= 4 channels, got shape \(2, 3, 4, 5\)"):
        dml(e, lab, 0.5, 1.5, 4)
    with pytest.raises(rechain.InvalidType, match=rf"{f}: labels must have shape \(2, 4, 5\)"):
        dml(e, lab[:, :2], 0.5, 1.5, 3)
    with pytest.raises(ValueError, match=rf"{f}: norm must be 1 or 2, got 3"):
        dml(e, lab, 0.5, 1.5, 3, norm=3)

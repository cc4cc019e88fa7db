import numpy
import pytest

import rechain
import rechain.functions as F


def _contrastive_ref(x0, x1, y, margin, reduce):
    d = numpy.sqrt(((x0 - x1) ** 2).sum(axis=1))
    loss = 0.5 * (y * d ** 2 + (1 - y) * numpy.maximum(margin - d, 0) ** 2)
    return loss.mean() if reduce == "mean" else loss


def _triplet_ref(a, p, n, margin, reduce):
    loss = numpy.maximum(((a - p) ** 2).sum(1) - ((a - n) ** 2).sum(1) + margin, 0)
    return loss.mean() if reduce == "mean" else loss


@pytest.mark.parametrize("reduce", ["mean", "no"])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_contrastive_forward(reduce, dtype):
    rng = numpy.random.default_rng(0)
    x0, x1 = (rng.uniform(-1, 1, (6, 3)).astype(dtype) for _ in range(2))
    y = numpy.array([0, 1, 0, 1, 0, 0], numpy.int32)
    got = F.contrastive(x0, x1, y, margin=1.5, reduce=reduce)
    want = _contrastive_ref(x0.astype(float), x1.astype(float), y, 1.5, reduce)
    assert got.dtype == dtype and got.shape == numpy.shape(want)
    numpy.testing.assert_allclose(got.array, want, rtol=1e-5)


@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_contrastive_gradients(check_grads, reduce):
    rng = numpy.random.default_rng(1)
    x0, x1 = rng.uniform(-1, 1, (5, 3)), rng.uniform(-1, 1, (5, 3))
    y = numpy.array([0, 1, 0, 1, 0])
    check_grads(lambda a, b: F.contrastive(a, b, y, margin=2.0, reduce=reduce), (x0, x1))


def test_contrastive_identical_dissimilar_pair_has_finite_gradient():
    x0 = rechain.Variable(numpy.ones((1, 2)))
    x1 = rechain.Variable(numpy.ones((1, 2)))
    F.contrastive(x0, x1, numpy.array([0])).backward()
    assert numpy.isfinite(x0.grad).all() and numpy.isfinite(x1.grad).all()


@pytest.mark.parametrize("reduce", ["mean", "no"])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_triplet_forward(reduce, dtype):
    rng = numpy.random.default_rng(2)
    a, p, n = (rng.uniform(-1, 1, (7, 4)).astype(dtype) for _ in range(3))
    got = F.triplet(a, p, n, margin=0.5, reduce=reduce)
    want = _triplet_ref(*(v.astype(float) for v in (a, p, n)), 0.5, reduce)
    assert got.dtype == dtype and got.shape == numpy.shape(want)
    numpy.testing.assert_allclose(got.array, want, rtol=1e-5)
    assert (want == 0).any() or reduce == "mean"  # both sides of the hinge are covered


@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_triplet_gradients(check_grads, reduce):
    rng = numpy.random.default_rng(3)
    a, p, n = (rng.uniform(-1, 1, (5, 3)) for _ in range(3))
    check_grads(lambda a, p, n: F.triplet(a, p, n, margin=0.3, reduce=reduce), (a, p, n))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(4)
    x0, x1, x2 = (rng.uniform(-1, 1, (4, 3)) for _ in range(3))
    y = numpy.array([1, 0, 0, 1])
    forget_matches_plain(lambda a, b, y: F.contrastive(a, b, y, reduce="no"), (x0, x1, y))
    forget_matches_plain(lambda a, p, n: F.triplet(a, p, n), (x0, x1, x2))


def test_bad_input():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"contrastive: x0 and y must have the same "
                                                   r"non-zero batch size, got x0 \(2, 3\) and "
                                                   r"y \(3,\)"):
        F.contrastive(a, a, numpy.zeros(3, numpy.int32))
    with pytest.raises(rechain.InvalidType, match=r"contrastive: x0 and x1 must have the same "
                                                   r"shape"):
        F.contrastive(a, a[:, :2], numpy.zeros(2, numpy.int32))
    with pytest.raises(ValueError, match="contrastive: margin must be positive, got 0"):
        F.contrastive(a, a, numpy.zeros(2, numpy.int32), margin=0)
    with pytest.raises(rechain.InvalidType, match=r"triplet: anchor and negative must have the "
                                                   r"same shape, got \(2, 3\) and \(2, 2\)"):
        F.triplet(a, a, a[:, :2])
    with pytest.raises(ValueError, match="triplet: reduce must be one of 'mean', 'no'"):
        F.triplet(a, a, a, reduce="sum")

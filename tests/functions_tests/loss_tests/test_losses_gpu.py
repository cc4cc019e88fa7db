"""The new losses on CuPy arrays give the NumPy results (run where a GPU is present)."""

import numpy
import pytest

import rechain
import rechain.functions as F

pytestmark = pytest.mark.gpu


def _cases():
    """name -> (fn(dev, *xs), xs); ``dev`` moves label arrays to the device under test."""
    rng = numpy.random.default_rng(0)
    a, b, c = (rng.normal(size=(4, 3)) for _ in range(3))
    t = rng.integers(0, 3, 4)
    xs = (rng.normal(size=(3, 3)), rng.normal(size=(2, 3)), rng.normal(size=(1, 3)))
    ys = [numpy.array([0, 2]), numpy.array([1])]
    lab = rng.integers(0, 3, (2, 2, 3))
    ctc_t = numpy.array([[1, 2], [2, 2]])
    return {
        "gaussian_kl_divergence": (lambda d, m, v: F.gaussian_kl_divergence(m, v), (a, b)),
        "bernoulli_nll": (lambda d, x, y: F.bernoulli_nll(x, y), (abs(a) / 4, b)),
        "gaussian_nll": (lambda d, x, m, v: F.gaussian_nll(x, m, v), (a, b, c)),
        "hinge": (lambda d, x: F.hinge(x, d(t)), (a,)),
        "contrastive": (lambda d, x, y: F.contrastive(x, y, d(t % 2)), (a, b)),
        "triplet": (lambda d, *x: F.triplet(*x), (a, b, c)),
        "decov": (lambda d, h: F.decov(h), (a,)),
        "cross_covariance": (lambda d, y, z: F.cross_covariance(y, z), (a, b)),
        "crf1d": (lambda d, cost, x0, x1: F.crf1d(cost, [x0, x1], [d(y) for y in ys]), xs),
        "ctc": (lambda d, *x: F.connectionist_temporal_classification(list(x), d(ctc_t), 0),
                tuple(b.reshape(2, 2, 3))),
        "discriminative": (lambda d, e: F.stack(list(
            F.discriminative_margin_based_clustering_loss(e, d(lab), 0.5, 1.5, 2))),
            (rng.normal(size=(2, 2, 2, 3)),)),
    }


@pytest.mark.parametrize("name", sorted(_cases()))
def test_cupy_matches_numpy(name):
    cp = rechain.backend.cupy
    fn, xs = _cases()[name]
    outs = []
    for dev in (numpy.asarray, cp.asarray):
        vs = [rechain.Variable(dev(x.copy())) for x in xs]
        y = fn(dev, *vs)
        F.sum(y * y).backward()
        outs.append([cp.asnumpy(y.array)] + [cp.asnumpy(v.grad) for v in vs])
    for g, c in zip(outs[1], outs[0]):
        numpy.testing.assert_allclose(g, c, rtol=1e-6, atol=1e-9)

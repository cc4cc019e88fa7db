import numpy
import pytest

import rechain
from rechain.utils import WalkerAlias


@pytest.mark.parametrize("probs", [[1.0, 0.0, 3.0, 5.0, 0.5, 7.0], [1.0], [2.0, 2.0],
                                   list(numpy.random.default_rng(0).uniform(0, 1, 50))])
def test_table_gives_exact_probabilities(probs):
    # The probability of i is sum over buckets of (1/n) * share of i in the bucket.
    w = WalkerAlias(probs)
    n = len(probs)
    got = numpy.zeros(n)
    for b in range(n):
        got[w.values[2 * b]] += w.threshold[b] / n
        got[w.values[2 * b + 1]] += (1 - w.threshold[b]) / n
    p = numpy.asarray(probs, numpy.float64)
    numpy.testing.assert_allclose(got, p / p.sum(), atol=1e-12)
    assert all(w.values[2 * b] == b for b in range(n))


def test_empirical_frequencies():
    p = numpy.array([1.0, 0.0, 3.0, 5.0, 0.5, 7.0])
    s = WalkerAlias(p).sample(200000)
    assert s.dtype == numpy.int32 and s.shape == (200000,)
    freq = numpy.bincount(s, minlength=6) / s.size
    numpy.testing.assert_allclose(freq, p / p.sum(), atol=5e-3)
    assert freq[1] == 0


def test_draws_follow_the_framework_stream():
    w = WalkerAlias([1.0, 2.0, 3.0, 4.0])
    rechain.random.seed(5)
    a = w.sample((3, 4))
    b = w((3, 4))
    rechain.random.seed(5)
    numpy.testing.assert_array_equal(w.sample((3, 4)), a)
    numpy.testing.assert_array_equal(w.sample((3, 4)), b)
    assert not numpy.array_equal(a, b)
    numpy.random.seed(0)  # NumPy's global state plays no part
    rechain.random.seed(5)
    numpy.testing.assert_array_equal(w.sample((3, 4)), a)


@pytest.mark.parametrize("probs,match", [
    ([], r"WalkerAlias: probs must be a non-empty 1-d sequence, got shape \(0,\)"),
    ([[1.0]], r"got shape \(1, 1\)"),
    ([1.0, -0.5], r"WalkerAlias: probs must be finite and non-negative, got probs\[1\] = -0.5"),
    ([numpy.nan], r"probs\[0\] = nan"),
    ([0.0, 0.0], "WalkerAlias: probs must not all be zero"),
])
def test_bad_probs(probs, match):
    with pytest.raises(ValueError, match=match):
        WalkerAlias(probs)


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    w = WalkerAlias([1.0, 3.0]).to_gpu()
    assert w.use_gpu
    s = w.sample(10000)
    assert isinstance(s, cp.ndarray)
    assert abs(float((s == 1).mean()) - 0.75) < 0.03
    assert not w.to_cpu().use_gpu


def test_device_of_the_table():
    from rechain import backend
    sampler = WalkerAlias([0.25, 0.75])
    assert sampler.device == backend.CpuDevice()

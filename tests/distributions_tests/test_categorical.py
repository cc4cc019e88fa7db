"""Categorical: log_prob indexing, entropy, KL, gradients, sampling."""

import numpy
import pytest

import rechain
import rechain.distributions as D
import rechain.functions as F
from rechain import gradient_check


def _softmax(l):
    e = numpy.exp(l - l.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
def test_log_prob_entropy_kl(shape):
    rng = numpy.random.default_rng(0)
    l1, l2 = rng.normal(size=shape), rng.normal(size=shape)
    p1, p2 = _softmax(l1), _softmax(l2)
    x = rng.integers(0, shape[-1], shape[:-1])
    for d in (D.Categorical(logit=l1), D.Categorical(p=p1)):
        assert d.batch_shape == shape[:-1] and d.event_shape == ()
        lp = d.log_prob(x)
        assert lp.shape == shape[:-1]
        ref = numpy.log(numpy.take_along_axis(p1, x[..., None], -1))[..., 0]
        numpy.testing.assert_allclose(lp.array, ref, rtol=1e-12)
        numpy.testing.assert_allclose(d.prob(x).array, numpy.exp(ref), rtol=1e-12)
        numpy.testing.assert_allclose(d.entropy.array, -(p1 * numpy.log(p1)).sum(-1),
                                      rtol=1e-12)
    kl = rechain.kl_divergence(D.Categorical(logit=l1), D.Categorical(p=p2))
    numpy.testing.assert_allclose(kl.array, (p1 * numpy.log(p1 / p2)).sum(-1), rtol=1e-10)


def test_log_prob_broadcasts_sample_axes():
    logit = numpy.log(numpy.array([[0.1, 0.9], [0.6, 0.4]]))
    d = D.Categorical(logit=logit)
    x = numpy.array([[0, 1], [1, 0], [1, 1]])
    numpy.testing.assert_allclose(d.prob(x).array, [[0.1, 0.4], [0.9, 0.6], [0.9, 0.4]])
    # a Variable of (float) indices, as Chainer accepts
    numpy.testing.assert_allclose(d.prob(rechain.Variable(numpy.array([1.0, 0.0]))).array,
                                  [0.9, 0.6])


def test_entropy_with_zero_probabilities():
    d = D.Categorical(p=numpy.array([0.0, 0.5, 0.5]))
    numpy.testing.assert_allclose(d.entropy.array, numpy.log(2.0))


def test_sampling_frequencies_and_reproducibility():
    p = numpy.array([[0.2, 0.3, 0.5], [0.9, 0.0, 0.1]])
    d = D.Categorical(p=p)
    rechain.random.seed(3)
    s = d.sample(60000)
    assert s.shape == (60000, 2) and s.dtype == numpy.int64
    for b in range(2):
        freq = numpy.bincount(s.array[:, b], minlength=3) / 60000
        numpy.testing.assert_allclose(freq, p[b], atol=0.01)
    assert (s.array[:, 1] != 1).all()  # zero probability is never drawn
    rechain.random.seed(3)
    numpy.testing.assert_array_equal(d.sample(60000).array, s.array)


def _lp(logit):
    return D.Categorical(logit=logit).log_prob(numpy.array([2, 0, 1]))


def _lp_p(p):
    return D.Categorical(p=p).log_prob(numpy.array([2, 0, 1]))


def _kl(l1, l2):
    return rechain.kl_divergence(D.Categorical(logit=l1), D.Categorical(logit=l2))


def _entropy(l):
    return D.Categorical(logit=l).entropy


def test_gradient_checks():
    rng = numpy.random.default_rng(2)
    l1, l2 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    gy = rng.normal(size=3)
    gradient_check.check_backward(_lp, l1, gy)
    gradient_check.check_double_backward(_lp, l1, gy, rng.normal(size=(3, 4)))
    gradient_check.check_backward(_lp_p, rng.uniform(0.2, 1, (3, 4)), gy)
    gradient_check.check_backward(_kl, (l1, l2), gy)
    gradient_check.check_double_backward(_kl, (l1, l2), gy,
                                         (rng.normal(size=(3, 4)), rng.normal(size=(3, 4))))
    gradient_check.check_backward(_entropy, l1, gy)
    gradient_check.check_double_backward(_entropy, l1, gy, rng.normal(size=(3, 4)))


def test_bad_arguments():
    d = D.Categorical(logit=numpy.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"Categorical: give exactly one of p and logit"):
        D.Categorical()
    with pytest.raises(ValueError, match=r"Categorical.log_prob: x must be in \[0, 3\), got "
                                         r"values in \[0, 3\]"):
        d.log_prob(numpy.array([0, 3]))
    with pytest.raises(ValueError, match=r"non-integer"):
        d.log_prob(numpy.array([0.5, 1.0]))
    with pytest.raises(ValueError, match=r"x \(3,\) does not broadcast with the batch shape "
                                         r"\(2,\)"):
        d.log_prob(numpy.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"needs a last axis of categories"):
        D.Categorical(p=numpy.array(1.0))


def _policy_block(x, w):
    logits = F.dropout(F.tanh(x * w), 0.2)
    d = D.Categorical(logit=F.reshape(logits, (2, 3)))
    return F.sum(d.log_prob(numpy.array([1, 2]))) + F.sum(d.entropy)


def test_forget_matches_plain():
    def run(forget):
        rechain.random.seed(8)
        w = rechain.Parameter(numpy.linspace(0.5, 2.0, 6))
        x = rechain.Variable(numpy.linspace(-1, 1, 6))
        y = F.forget(_policy_block, x, w) if forget else _policy_block(x, w)
        y.backward()
        return y.array, w.grad
    for a, b in zip(run(False), run(True)):
        numpy.testing.assert_array_equal(a, b)

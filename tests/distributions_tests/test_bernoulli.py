"""Bernoulli: stable logit log_prob, statistics, KL, gradients, sampling, forget."""

import numpy
import pytest

import rechain
import rechain.distributions as D
import rechain.functions as F
from rechain import gradient_check


def _sigmoid(l):
    return 1 / (1 + numpy.exp(-l))


def _ref_log_prob(logit, x):
    p = _sigmoid(logit)
    return x * numpy.log(p) + (1 - x) * numpy.log1p(-p)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape", [(4,), (2, 3)])
def test_log_prob_matches_reference(dtype, shape):
    rng = numpy.random.default_rng(0)
    logit = rng.normal(scale=3, size=shape).astype(dtype)
    x = (rng.random(shape) < 0.5).astype(dtype)
    for d in (D.Bernoulli(logit=logit), D.Bernoulli(p=_sigmoid(logit.astype(numpy.float64))
                                                   .astype(dtype))):
        lp = d.log_prob(x)
        assert lp.dtype == dtype and lp.shape == shape
        numpy.testing.assert_allclose(lp.array, _ref_log_prob(logit.astype(numpy.float64), x),
                                      rtol=1e-4 if dtype == numpy.float32 else 1e-10,
                                      atol=1e-5 if dtype == numpy.float32 else 1e-12)


def test_log_prob_is_stable_for_extreme_logits():
    logit = numpy.array([-800.0, -50.0, 50.0, 800.0])
    d = D.Bernoulli(logit=logit)
    numpy.testing.assert_allclose(d.log_prob(numpy.ones(4)).array,
                                  [-800.0, -50.0, -numpy.exp(-50.0), 0.0], rtol=1e-12)
    numpy.testing.assert_allclose(d.log_prob(numpy.zeros(4)).array,
                                  [0.0, -numpy.exp(-50.0), -50.0, -800.0], rtol=1e-12)
    with numpy.errstate(all="raise"):
        D.Bernoulli(logit=logit.astype(numpy.float32)).log_prob(numpy.ones(4, numpy.float32))
    x = rechain.Variable(numpy.array([-800.0, 800.0]))
    F.sum(D.Bernoulli(logit=x).log_prob(numpy.array([1.0, 0.0]))).backward()
    numpy.testing.assert_allclose(x.grad, [1.0, -1.0])


def test_infinite_logits_give_limits_and_nan_gradients():
    logit = rechain.Variable(numpy.array([numpy.inf, numpy.inf, -numpy.inf, -numpy.inf, 0.0]))
    x = numpy.array([1.0, 0.0, 1.0, 0.0, 1.0])
    lp = D.Bernoulli(logit=logit).log_prob(x)
    numpy.testing.assert_array_equal(lp.array[:4], [0.0, -numpy.inf, -numpy.inf, 0.0])
    F.sum(lp).backward()
    assert numpy.isnan(logit.grad[:4]).all() and logit.grad[4] == 0.5


def test_binary_check():
    logit = numpy.zeros(3)
    x = numpy.array([0.0, 0.5, 1.0])
    d = D.Bernoulli(logit=logit, binary_check=True)
    lp = d.log_prob(x).array
    assert lp[1] == -numpy.inf and numpy.isfinite(lp[[0, 2]]).all()
    numpy.testing.assert_array_equal(d.prob(x).array, [0.5, 0.0, 0.5])
    # without the check a value in (0, 1) is scored by the same formula
    numpy.testing.assert_allclose(D.Bernoulli(logit=logit).log_prob(x).array,
                                  [-numpy.log(2)] * 3)


def test_log_prob_broadcasts_observations_over_samples():
    logit = rechain.Variable(numpy.array([0.3, -1.2]))
    x = numpy.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    lp = D.Bernoulli(logit=logit).log_prob(x)
    assert lp.shape == (3, 2)
    F.sum(lp).backward()
    numpy.testing.assert_allclose(logit.grad, (x - _sigmoid(logit.array)).sum(0))


def test_statistics():
    p = numpy.array([0.0, 0.2, 0.5, 1.0])
    d = D.Bernoulli(p=p)
    numpy.testing.assert_allclose(d.mean.array, p)
    numpy.testing.assert_allclose(d.variance.array, p * (1 - p))
    numpy.testing.assert_allclose(d.stddev.array, numpy.sqrt(p * (1 - p)))
    with numpy.errstate(divide="ignore", invalid="ignore"):
        ref = -numpy.nan_to_num(p * numpy.log(p)) - numpy.nan_to_num((1 - p) * numpy.log1p(-p))
    numpy.testing.assert_allclose(d.entropy.array, ref, atol=1e-15)
    numpy.testing.assert_allclose(d.prob(numpy.array([1.0, 1.0, 0.0, 0.0])).array,
                                  [0.0, 0.2, 0.5, 0.0])
    assert d.batch_shape == (4,) and d.event_shape == ()
    numpy.testing.assert_allclose(D.Bernoulli(logit=numpy.array([0.0, 2.0])).p.array,
                                  _sigmoid(numpy.array([0.0, 2.0])))
    numpy.testing.assert_allclose(D.Bernoulli(p=numpy.array([0.25])).logit.array,
                                  [numpy.log(1 / 3)])


def test_kl():
    l1, l2 = numpy.array([0.3, -2.0, 5.0]), numpy.array([1.0, 0.5, -3.0])
    p1, p2 = _sigmoid(l1), _sigmoid(l2)
    ref = p1 * numpy.log(p1 / p2) + (1 - p1) * numpy.log((1 - p1) / (1 - p2))
    kl = rechain.kl_divergence(D.Bernoulli(logit=l1), D.Bernoulli(p=p2))
    numpy.testing.assert_allclose(kl.array, ref, rtol=1e-10)
    # stable where the probabilities round to 0 or 1
    big = rechain.kl_divergence(D.Bernoulli(logit=numpy.array([100.0])),
                                D.Bernoulli(logit=numpy.array([-100.0])))
    numpy.testing.assert_allclose(big.array, [100.0], rtol=1e-12)


def test_sampling():
    p = numpy.array([0.1, 0.5, 0.9])
    d = D.Bernoulli(p=p)
    rechain.random.seed(2)
    s = d.sample(40000)
    assert s.shape == (40000, 3) and s.dtype == numpy.int64
    assert set(numpy.unique(s.array)) <= {0, 1}
    numpy.testing.assert_allclose(s.array.mean(0), p, atol=0.01)
    rechain.random.seed(2)
    numpy.testing.assert_array_equal(d.sample(40000).array, s.array)


def _lp(logit, x):
    return D.Bernoulli(logit=logit).log_prob(x)


def _lp_p(p, x):
    return D.Bernoulli(p=p).log_prob(x)


def _kl(l1, l2):
    return rechain.kl_divergence(D.Bernoulli(logit=l1), D.Bernoulli(logit=l2))


def _entropy(l):
    return D.Bernoulli(logit=l).entropy


@pytest.mark.parametrize("shape", [(4,), (2, 3)])
def test_gradient_checks(shape):
    rng = numpy.random.default_rng(1)
    logit = rng.normal(scale=2, size=shape)
    x = (rng.random(shape) < 0.5).astype(numpy.float64)
    gy = rng.normal(size=shape)
    gradient_check.check_backward(_lp, (logit, x), gy, no_grads=[False, True])
    gradient_check.check_double_backward(_lp, (logit, x), gy, rng.normal(size=shape),
                                         no_grads=[False, True])
    p = rng.uniform(0.2, 0.8, shape)
    gradient_check.check_backward(_lp_p, (p, x), gy, no_grads=[False, True])
    l2 = rng.normal(size=shape)
    gradient_check.check_backward(_kl, (logit, l2), gy)
    gradient_check.check_double_backward(_kl, (logit, l2), gy,
                                         (rng.normal(size=shape), rng.normal(size=shape)))
    gradient_check.check_backward(_entropy, logit, gy)
    gradient_check.check_double_backward(_entropy, logit, gy, rng.normal(size=shape))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Bernoulli: give exactly one of p and logit"):
        D.Bernoulli()
    with pytest.raises(ValueError, match=r"Bernoulli: give exactly one of p and logit"):
        D.Bernoulli(p=numpy.ones(2), logit=numpy.ones(2))
    with pytest.raises(ValueError, match=r"bernoulli_log_prob: logit \(2,\) and x \(3,\)"):
        D.Bernoulli(logit=numpy.zeros(2)).log_prob(numpy.zeros(3))
    with pytest.raises(TypeError, match=r"bernoulli_log_prob: x must be a Variable or an "
                                        r"array, not list"):
        D.Bernoulli(logit=numpy.zeros(2)).log_prob([0, 1])


def _decoder_block(z, w):
    logit = F.dropout(z * w, 0.25)
    return F.sum(D.Bernoulli(logit=logit).log_prob(numpy.array([1.0, 0.0, 1.0, 1.0])))


def test_forget_matches_plain():
    def run(forget):
        rechain.random.seed(5)
        w = rechain.Parameter(numpy.array([0.5, -1.0, 2.0, 0.1]))
        z = rechain.Variable(numpy.array([1.0, 2.0, -1.0, 3.0]))
        y = F.forget(_decoder_block, z, w) if forget else _decoder_block(z, w)
        y.backward()
        return y.array, w.grad, z.grad
    for a, b in zip(run(False), run(True)):
        numpy.testing.assert_array_equal(a, b)

"""Normal: closed forms against NumPy references, gradients, sampling, forget."""

import math

import numpy
import pytest

import rechain
import rechain.distributions as D
import rechain.functions as F
from rechain import gradient_check

SHAPES = [(3,), (2, 3)]


def _data(shape, seed=0):
    rng = numpy.random.default_rng(seed)
    loc = rng.normal(size=shape)
    scale = rng.uniform(0.5, 2.0, shape)
    x = rng.normal(size=shape)
    return loc, scale, x


def _ref_log_prob(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - numpy.log(s) - 0.5 * numpy.log(2 * numpy.pi)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("use_log_scale", [False, True])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_statistics_and_log_prob(shape, use_log_scale, dtype):
    loc, scale, x = _data(shape)
    loc, scale, x = loc.astype(dtype), scale.astype(dtype), x.astype(dtype)
    d = (D.Normal(loc, log_scale=numpy.log(scale)) if use_log_scale
         else D.Normal(loc, scale=scale))
    tol = dict(rtol=1e-6) if dtype == numpy.float64 else dict(rtol=1e-5, atol=1e-6)
    assert d.batch_shape == shape and d.event_shape == ()
    lp = d.log_prob(x)
    assert lp.dtype == dtype and lp.shape == shape
    numpy.testing.assert_allclose(lp.array, _ref_log_prob(x, loc, scale), **tol)
    numpy.testing.assert_allclose(d.prob(x).array, numpy.exp(_ref_log_prob(x, loc, scale)),
                                  **tol)
    numpy.testing.assert_allclose(d.mean.array, loc, **tol)
    numpy.testing.assert_allclose(d.stddev.array, scale, **tol)
    numpy.testing.assert_allclose(d.variance.array, scale ** 2, **tol)
    numpy.testing.assert_allclose(d.entropy.array,
                                  numpy.log(scale) + 0.5 * math.log(2 * math.pi * math.e),
                                  **tol)
    numpy.testing.assert_allclose(d.scale.array, scale, **tol)
    numpy.testing.assert_allclose(d.log_scale.array, numpy.log(scale), **tol)


def test_broadcast_parameters_give_the_broadcast_batch():
    d = D.Normal(numpy.zeros((4, 1)), scale=numpy.ones(3))
    assert d.batch_shape == (4, 3)
    assert d.mean.shape == (4, 3) and d.entropy.shape == (4, 3)
    assert d.sample(2).shape == (2, 4, 3)


def test_kl_against_closed_form_and_monte_carlo():
    m1, s1, _ = _data((3,), 1)
    m2, s2, _ = _data((3,), 2)
    p, q = D.Normal(m1, scale=s1), D.Normal(m2, scale=s2)
    kl = rechain.kl_divergence(p, q)
    ref = numpy.log(s2 / s1) + (s1 ** 2 + (m1 - m2) ** 2) / (2 * s2 ** 2) - 0.5
    numpy.testing.assert_allclose(kl.array, ref, rtol=1e-12)
    rechain.random.seed(0)
    z = p.sample(200000)
    mc = (p.log_prob(z) - q.log_prob(z)).array.mean(axis=0)
    numpy.testing.assert_allclose(mc, ref, atol=0.02)
    numpy.testing.assert_allclose(rechain.kl_divergence(p, p).array, 0, atol=1e-12)
    # cross entropy = entropy + KL
    numpy.testing.assert_allclose(rechain.cross_entropy(p, q).array,
                                  p.entropy.array + ref, rtol=1e-12)


def test_standard_normal_prior_kl_as_in_the_vae():
    mu = numpy.array([[0.3, -1.0], [2.0, 0.0]])
    ln_sigma = numpy.array([[0.1, -0.5], [0.0, 0.7]])
    q = D.Normal(mu, log_scale=ln_sigma)
    prior = D.Normal(numpy.zeros(2), scale=numpy.ones(2))
    kl = rechain.kl_divergence(q, prior)
    ref = 0.5 * (numpy.exp(2 * ln_sigma) + mu ** 2 - 1) - ln_sigma
    numpy.testing.assert_allclose(kl.array, ref, rtol=1e-12)


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_sampling_moments_dtype_and_reproducibility(dtype):
    loc = numpy.array([1.0, -2.0], dtype)
    scale = numpy.array([0.5, 3.0], dtype)
    d = D.Normal(loc, scale=scale)
    rechain.random.seed(4)
    z = d.sample(50000)
    assert z.shape == (50000, 2) and z.dtype == dtype
    zz = z.array.astype(numpy.float64)
    numpy.testing.assert_allclose(zz.mean(0), loc.astype(numpy.float64), atol=0.05)
    numpy.testing.assert_allclose(zz.std(0), scale.astype(numpy.float64), rtol=0.03)
    rechain.random.seed(4)
    numpy.testing.assert_array_equal(d.sample(50000).array, z.array)
    assert d.sample().shape == (2,)
    assert d.sample((3, 4)).shape == (3, 4, 2)
    assert d.sample_n(5).shape == (5, 2)


def test_samples_are_reparameterized():
    loc = rechain.Variable(numpy.array([0.5, 1.0]))
    log_scale = rechain.Variable(numpy.array([0.1, -0.2]))
    rechain.random.seed(1)
    z = D.Normal(loc, log_scale=log_scale).sample(7)
    F.sum(z).backward()
    numpy.testing.assert_allclose(loc.grad, [7.0, 7.0])
    rechain.random.seed(1)
    eps = D.Normal(numpy.zeros(2), scale=numpy.ones(2)).sample(7).array
    numpy.testing.assert_allclose(log_scale.grad,
                                  (eps * numpy.exp(log_scale.array)).sum(0), rtol=1e-12)


def _lp(loc, log_scale, x):
    return D.Normal(loc, log_scale=log_scale).log_prob(x)


def _kl(m1, ls1, m2, ls2):
    return rechain.kl_divergence(D.Normal(m1, log_scale=ls1), D.Normal(m2, log_scale=ls2))


def _kl_scale(m1, s1, m2, s2):
    return rechain.kl_divergence(D.Normal(m1, scale=s1), D.Normal(m2, scale=s2))


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_checks(shape):
    loc, scale, x = _data(shape, 3)
    rng = numpy.random.default_rng(5)
    gy = rng.normal(size=shape)
    ls = numpy.log(scale)
    gradient_check.check_backward(_lp, (loc, ls, x), gy)
    gradient_check.check_double_backward(_lp, (loc, ls, x), gy,
                                         tuple(rng.normal(size=shape) for _ in range(3)))
    m2, s2, _ = _data(shape, 4)
    args = (loc, ls, m2, numpy.log(s2))
    gradient_check.check_backward(_kl, args, gy)
    gradient_check.check_double_backward(_kl, args, gy,
                                         tuple(rng.normal(size=shape) for _ in range(4)))
    sargs = (loc, scale, m2, s2)
    gradient_check.check_backward(_kl_scale, sargs, gy)
    gradient_check.check_double_backward(_kl_scale, sargs, gy,
                                         tuple(rng.normal(size=shape) for _ in range(4)))


def test_entropy_gradient_check():
    rng = numpy.random.default_rng(0)
    gradient_check.check_backward(
        lambda s: D.Normal(numpy.zeros(3), scale=s).entropy, rng.uniform(0.5, 2, 3),
        rng.normal(size=3))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Normal: give exactly one of scale and log_scale"):
        D.Normal(numpy.zeros(2))
    with pytest.raises(ValueError, match=r"Normal: give exactly one"):
        D.Normal(numpy.zeros(2), scale=numpy.ones(2), log_scale=numpy.zeros(2))
    with pytest.raises(ValueError, match=r"Normal: parameter shapes do not broadcast: "
                                         r"loc \(2,\), scale \(3,\)"):
        D.Normal(numpy.zeros(2), scale=numpy.ones(3))
    with pytest.raises(TypeError, match=r"Normal: loc must have a floating dtype, got int64"):
        D.Normal(numpy.zeros(2, numpy.int64), scale=numpy.ones(2))
    with pytest.raises(TypeError, match=r"Normal: parameters must have one dtype"):
        D.Normal(numpy.zeros(2, numpy.float32), scale=numpy.ones(2))
    with pytest.raises(TypeError, match=r"Normal: scale must be a Variable or an array, not str"):
        D.Normal(numpy.zeros(2), scale="1")
    with pytest.raises(NotImplementedError, match=r"Normal does not implement cdf"):
        D.Normal(numpy.zeros(2), scale=numpy.ones(2)).cdf(numpy.zeros(2))


def _elbo_block(x, w):
    """Encode, sample with dropout on the code, score under a decoder normal."""
    h = F.tanh(x * w)
    q = D.Normal(h, log_scale=h * 0.1)
    z = F.dropout(q.sample(3), 0.3)
    p = D.Normal(z * w, scale=numpy.ones_like(x.array))
    prior = D.Normal(numpy.zeros_like(x.array), scale=numpy.ones_like(x.array))
    return F.sum(p.log_prob(F.broadcast_to(x, (3,) + x.shape))) - F.sum(
        rechain.kl_divergence(q, prior))


@pytest.mark.parametrize("with_double", [False, True])
def test_forget_matches_plain(with_double):
    def run(forget):
        rechain.random.seed(11)
        w = rechain.Parameter(numpy.linspace(0.5, 1.5, 6))
        x = rechain.Variable(numpy.linspace(-1, 1, 6))
        y = F.forget(_elbo_block, x, w) if forget else _elbo_block(x, w)
        if with_double:
            gw, = rechain.grad([y], [w], enable_double_backprop=True)
            F.sum(gw * gw).backward()
        else:
            y.backward()
        return y.array, w.grad, x.grad
    for a, b in zip(run(False), run(True)):
        numpy.testing.assert_array_equal(a, b)

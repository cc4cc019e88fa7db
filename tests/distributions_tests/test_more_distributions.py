"""Beta ... Uniform: moments, entropy and KL against Monte Carlo, log densities against
independent references, gradients of order one and two, sampling, forget, bad input."""

import math

import numpy
import pytest

import rechain
import rechain.distributions as D
import rechain.functions as F
from rechain import gradient_check

A = numpy.array

# name -> (class, params of p, params of q); parameters are keyword arguments
SPECS = {
    "Beta": (D.Beta, dict(a=A([2.0, 3.0]), b=A([3.0, 1.5])),
             dict(a=A([1.5, 2.0]), b=A([2.0, 2.5]))),
    "Cauchy": (D.Cauchy, dict(loc=A([0.0, 1.0]), scale=A([1.0, 2.0])), None),
    "Chisquare": (D.Chisquare, dict(k=A([3.0, 5.0])), None),
    "Dirichlet": (D.Dirichlet, dict(alpha=A([[1.0, 3.0, 2.0], [0.7, 1.2, 4.0]])),
                  dict(alpha=A([[2.0, 2.0, 1.0], [1.0, 1.0, 1.0]]))),
    "Exponential": (D.Exponential, dict(lam=A([2.0, 0.5])), dict(lam=A([1.0, 0.7]))),
    "Gamma": (D.Gamma, dict(k=A([2.0, 0.7]), theta=A([3.0, 1.0])),
              dict(k=A([1.5, 1.0]), theta=A([2.0, 1.5]))),
    "Geometric": (D.Geometric, dict(p=A([0.25, 0.6])), dict(p=A([0.4, 0.3]))),
    "Gumbel": (D.Gumbel, dict(loc=A([0.0, 1.0]), scale=A([1.0, 2.0])),
               dict(loc=A([0.5, 0.0]), scale=A([1.5, 1.0]))),
    "Laplace": (D.Laplace, dict(loc=A([0.0, 1.0]), scale=A([1.0, 2.0])),
                dict(loc=A([0.5, 0.0]), scale=A([1.5, 1.0]))),
    "LogNormal": (D.LogNormal, dict(mu=A([0.0, 0.3]), sigma=A([0.5, 0.2])),
                  dict(mu=A([0.2, 0.0]), sigma=A([0.7, 0.4]))),
    "MultivariateNormal": (D.MultivariateNormal,
                           dict(loc=A([0.0, 1.0]), scale_tril=A([[1.0, 0.0], [0.5, 2.0]])),
                           dict(loc=A([1.0, 0.0]), scale_tril=A([[2.0, 0.0], [-0.5, 1.0]]))),
    "OneHotCategorical": (D.OneHotCategorical, dict(p=A([[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
                          dict(p=A([[0.4, 0.4, 0.2], [0.3, 0.3, 0.4]]))),
    "Pareto": (D.Pareto, dict(scale=A([2.0, 2.0]), alpha=A([5.0, 6.5])),
               dict(scale=A([1.0, 1.5]), alpha=A([2.0, 3.0]))),
    "Poisson": (D.Poisson, dict(lam=A([3.0, 0.5])), dict(lam=A([2.0, 1.0]))),
    "Uniform": (D.Uniform, dict(low=A([0.5, 1.0]), high=A([1.0, 3.0])),
                dict(low=A([0.0, 0.0]), high=A([2.0, 4.0]))),
}
NO_ENTROPY = {"Poisson"}
NO_MOMENTS = {"Cauchy"}
N = 100_000


def _make(name, which=1, dtype=numpy.float64):
    cls, p, q = SPECS[name]
    params = p if which == 1 else q
    return cls(**{k: v.astype(dtype) for k, v in params.items()})


def _event_axes(d):
    return tuple(range(1, 1 + len(d.batch_shape) + len(d.event_shape)))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_moments_and_entropy_agree_with_monte_carlo(name):
    rechain.random.seed(0)
    d = _make(name)
    s = d.sample(N)
    assert s.shape == (N,) + tuple(d.batch_shape) + tuple(d.event_shape)
    x = s.array
    if name in NO_MOMENTS:
        assert numpy.isnan(d.mean.array).all() and numpy.isnan(d.variance.array).all()
    else:
        var = d.variance.array
        se = numpy.sqrt(var / N)
        assert numpy.all(numpy.abs(x.mean(axis=0) - d.mean.array) < 5 * se), name
        numpy.testing.assert_allclose(x.var(axis=0), var, rtol=0.05)
    lp = d.log_prob(s).array
    assert lp.shape == (N,) + tuple(d.batch_shape)
    if name not in NO_ENTROPY:
        se = lp.std(axis=0) / math.sqrt(N)
        assert numpy.all(numpy.abs(-lp.mean(axis=0) - d.entropy.array) < 5 * se + 1e-9), name


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s[2] is not None))
def test_kl_agrees_with_monte_carlo(name):
    rechain.random.seed(1)
    p, q = _make(name, 1), _make(name, 2)
    s = p.sample(N)
    diff = p.log_prob(s).array - q.log_prob(s).array
    kl = rechain.kl_divergence(p, q)
    assert kl.shape == tuple(p.batch_shape)
    se = diff.std(axis=0) / math.sqrt(N)
    assert numpy.all(numpy.abs(diff.mean(axis=0) - kl.array) < 5 * se + 1e-9), name
    numpy.testing.assert_allclose(rechain.kl_divergence(p, p).array, 0, atol=1e-12)


def _grid_integral(d, lo, hi, n=400_001):
    x = numpy.linspace(lo, hi, n)[:, None] * numpy.ones(d.batch_shape)
    p = numpy.exp(d.log_prob(x).array)
    return numpy.trapezoid(p, x, axis=0) if hasattr(numpy, "trapezoid") else \
        numpy.trapz(p, x, axis=0)


def _log_grid_integral(d, lo, hi, n=400_001):
    """The integral over [lo, hi] (lo > 0) in t = log x: p(e^t) e^t dt."""
    t = numpy.linspace(math.log(lo), math.log(hi), n)[:, None] * numpy.ones(d.batch_shape)
    f = numpy.exp(d.log_prob(numpy.exp(t)).array + t)
    return numpy.trapezoid(f, t, axis=0) if hasattr(numpy, "trapezoid") else \
        numpy.trapz(f, t, axis=0)


@pytest.mark.parametrize("name,lo,hi,tol", [
    ("Beta", 1e-9, 1 - 1e-9, 1e-4), ("Gumbel", -30, 60, 1e-6), ("Laplace", -60, 60, 1e-5),
    ("Uniform", 0, 4, 1e-4)])
def test_continuous_densities_integrate_to_one(name, lo, hi, tol):
    numpy.testing.assert_allclose(_grid_integral(_make(name), lo, hi), 1, rtol=tol)


@pytest.mark.parametrize("name,lo,hi", [
    ("Chisquare", 1e-12, 200), ("Exponential", 1e-12, 100), ("Gamma", 1e-30, 300),
    ("LogNormal", 1e-9, 100), ("Pareto", 2 * (1 + 1e-12), 1e7)])
def test_positive_densities_integrate_to_one(name, lo, hi):
    numpy.testing.assert_allclose(_log_grid_integral(_make(name), lo, hi), 1, rtol=1e-6)


def test_cauchy_density_integrates_to_one_over_its_tails():
    d = _make("Cauchy")
    # the mass beyond +-R is about 2 scale / (pi R)
    total = _grid_integral(d, -2000, 2000, n=2_000_001)
    numpy.testing.assert_allclose(total, 1 - 2 * A([1.0, 2.0]) / (math.pi * 2000), rtol=2e-5)


@pytest.mark.parametrize("name", ["Poisson", "Geometric"])
def test_discrete_masses_sum_to_one(name):
    d = _make(name)
    x = numpy.arange(0 if name == "Poisson" else 1, 400, dtype=numpy.float64)[:, None]
    numpy.testing.assert_allclose(numpy.exp(d.log_prob(x * numpy.ones(2)).array).sum(axis=0),
                                  1, rtol=1e-10)


def test_log_densities_against_independent_forms():
    x = A([0.3, 0.8])
    beta = _make("Beta")
    a, b = SPECS["Beta"][1]["a"], SPECS["Beta"][1]["b"]
    ref = [math.log(math.gamma(ai + bi) / (math.gamma(ai) * math.gamma(bi)))
           + (ai - 1) * math.log(xi) + (bi - 1) * math.log(1 - xi) for ai, bi, xi in zip(a, b, x)]
    numpy.testing.assert_allclose(beta.log_prob(x).array, ref, rtol=1e-12)
    # Chisquare(k) is Gamma(k/2, 2); Gamma(1, 1/lam) is Exponential(lam)
    chi = D.Chisquare(A([3.0, 5.0]))
    numpy.testing.assert_allclose(chi.log_prob(x).array,
                                  D.Gamma(A([1.5, 2.5]), A([2.0, 2.0])).log_prob(x).array,
                                  rtol=1e-12)
    numpy.testing.assert_allclose(D.Gamma(A([1.0, 1.0]), A([0.5, 2.0])).log_prob(x).array,
                                  D.Exponential(A([2.0, 0.5])).log_prob(x).array, rtol=1e-12)
    # LogNormal: the normal density of log x, divided by x
    ln = _make("LogNormal")
    normal = D.Normal(A([0.0, 0.3]), scale=A([0.5, 0.2]))
    numpy.testing.assert_allclose(ln.log_prob(x).array,
                                  normal.log_prob(numpy.log(x)).array - numpy.log(x), rtol=1e-12)
    # Poisson: direct factorials
    pois = _make("Poisson")
    k = A([4.0, 0.0])
    numpy.testing.assert_allclose(
        pois.log_prob(k).array,
        [4 * math.log(3) - 3 - math.log(24), -0.5], rtol=1e-12)
    numpy.testing.assert_allclose(pois.log_prob(A([4, 0])).array, pois.log_prob(k).array)
    # Dirichlet with K = 2 is a Beta on the first component
    dir2 = D.Dirichlet(A([[2.0, 3.0], [3.0, 1.5]]))
    pts = numpy.stack([x, 1 - x], axis=-1)
    numpy.testing.assert_allclose(dir2.log_prob(pts).array, beta.log_prob(x).array, rtol=1e-12)
    numpy.testing.assert_allclose(dir2.entropy.array, beta.entropy.array, rtol=1e-12)
    # OneHotCategorical is Categorical on the index
    oh = _make("OneHotCategorical")
    cat = D.Categorical(SPECS["OneHotCategorical"][1]["p"])
    idx = A([2, 0])
    numpy.testing.assert_allclose(oh.log_prob(numpy.eye(3)[idx]).array,
                                  cat.log_prob(idx).array, rtol=1e-12)
    numpy.testing.assert_allclose(oh.entropy.array, cat.entropy.array, rtol=1e-12)
    # Uniform: inside, outside and the (loc, scale) form
    u = _make("Uniform")
    numpy.testing.assert_allclose(u.log_prob(A([0.7, 3.5])).array, [math.log(2), -math.inf])
    u2 = D.Uniform(loc=A([0.5, 1.0]), scale=A([0.5, 2.0]))
    numpy.testing.assert_allclose(u2.high.array, [1.0, 3.0])
    numpy.testing.assert_allclose(u2.log_prob(A([0.7, 2.0])).array, u.log_prob(A([0.7, 2.0])).array)
    # Pareto below its scale has zero density
    assert _make("Pareto").log_prob(A([1.0, 3.0])).array[0] == -math.inf


def test_multivariate_normal_against_numpy_linear_algebra():
    rng = numpy.random.default_rng(2)
    L = A([[[1.0, 0, 0], [0.5, 2.0, 0], [-0.3, 0.2, 0.7]],
           [[0.8, 0, 0], [0.1, 1.1, 0], [0.4, -0.6, 1.3]]])
    loc = rng.normal(size=(2, 3))
    x = rng.normal(size=(4, 2, 3))
    d = D.MultivariateNormal(loc, scale_tril=L + numpy.triu(numpy.ones(3), 1))  # upper ignored
    for b in range(2):
        cov = L[b] @ L[b].T
        diff = x[:, b] - loc[b]
        ref = (-0.5 * numpy.einsum("ni,ij,nj->n", diff, numpy.linalg.inv(cov), diff)
               - 0.5 * numpy.linalg.slogdet(2 * math.pi * cov)[1])
        numpy.testing.assert_allclose(d.log_prob(x).array[:, b], ref, rtol=1e-12)
        numpy.testing.assert_allclose(d.covariance.array[b], cov, rtol=1e-12)
        numpy.testing.assert_allclose(
            d.entropy.array[b], 0.5 * numpy.linalg.slogdet(2 * math.pi * math.e * cov)[1],
            rtol=1e-12)
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.sample(5).shape == (5, 2, 3)


def _grad_case(name):
    """(function of the float parameters, their arrays) for a gradient check."""
    cls, p, _ = SPECS[name]
    keys = sorted(p)
    points = {"Beta": A([0.3, 0.8]), "Cauchy": A([0.4, -1.0]), "Chisquare": A([1.5, 4.0]),
              "Dirichlet": A([[0.2, 0.5, 0.3], [0.1, 0.3, 0.6]]), "Exponential": A([0.7, 2.0]),
              "Gamma": A([2.5, 0.4]), "Geometric": A([3.0, 1.0]), "Gumbel": A([0.5, 2.0]),
              "Laplace": A([0.4, -1.0]), "LogNormal": A([0.9, 1.4]),
              "MultivariateNormal": A([0.3, -0.4]), "OneHotCategorical": numpy.eye(3)[[1, 2]],
              "Pareto": A([2.5, 3.0]), "Poisson": A([2.0, 1.0]), "Uniform": A([0.7, 2.0])}
    x = points[name]
    continuous_x = name not in ("Geometric", "OneHotCategorical", "Poisson", "Dirichlet")

    def func(*args):
        params = dict(zip(keys, args[:len(keys)]))
        d = cls(**params)
        xv = args[len(keys)] if continuous_x else x
        outs = [d.log_prob(xv)]
        if name not in NO_ENTROPY:
            outs.append(d.entropy)
        if name not in NO_MOMENTS:
            outs += [d.mean, d.variance]
        return tuple(outs)

    arrays = tuple(p[k] for k in keys) + ((x,) if continuous_x else ())
    return func, arrays


@pytest.mark.parametrize("name", sorted(SPECS))
def test_gradients_of_log_prob_and_statistics(name):
    if name == "Uniform":
        pytest.skip("Uniform's log density is piecewise constant in x; covered below")
    func, arrays = _grad_case(name)
    rng = numpy.random.default_rng(3)
    outs = func(*[rechain.Variable(a.copy()) for a in arrays])
    gys = tuple(rng.normal(size=o.shape) for o in outs)
    ggs = tuple(rng.normal(size=a.shape) for a in arrays)
    gradient_check.check_backward(func, arrays, gys, eps=1e-4, atol=1e-5, rtol=1e-4, seed=0)
    gradient_check.check_double_backward(func, arrays, gys, ggs, eps=1e-4, atol=1e-4,
                                         rtol=1e-3, seed=0)


def test_uniform_gradients_in_its_bounds():
    def func(low, high):
        d = D.Uniform(low=low, high=high)
        return d.log_prob(A([0.7, 2.0])), d.entropy, d.mean, d.variance, d.cdf(A([0.7, 2.0]))

    arrays = (A([0.5, 1.0]), A([1.0, 3.0]))
    rng = numpy.random.default_rng(4)
    gys = tuple(rng.normal(size=2) for _ in range(5))
    gradient_check.check_backward(func, arrays, gys, eps=1e-4, seed=0)
    gradient_check.check_double_backward(func, arrays, gys, tuple(rng.normal(size=2) for _ in
                                                                    range(2)), eps=1e-4, seed=0)


@pytest.mark.parametrize("name", sorted(n for n, s in SPECS.items() if s[2] is not None
                                        and n not in ("Uniform", "Pareto")))
def test_kl_gradients(name):
    cls, p, q = SPECS[name]
    keys = sorted(p)

    def func(*args):
        return rechain.kl_divergence(cls(**dict(zip(keys, args[:len(keys)]))),
                                     cls(**dict(zip(keys, args[len(keys):]))))

    arrays = tuple(p[k] for k in keys) + tuple(q[k] for k in keys)
    gy = numpy.random.default_rng(5).normal(size=func(*arrays).shape)
    gradient_check.check_backward(func, arrays, gy, eps=1e-4, atol=1e-5, rtol=1e-4, seed=0)


@pytest.mark.parametrize("name", ["Cauchy", "Exponential", "Laplace", "Uniform"])
def test_cdf_and_icdf_are_inverse_and_the_cdf_differentiates_to_the_density(name):
    d = _make(name)
    probs = A([0.2, 0.7])
    x = d.icdf(probs).array
    numpy.testing.assert_allclose(d.cdf(x).array, probs, rtol=1e-12)
    h = 1e-6
    slope = (d.cdf(x + h).array - d.cdf(x - h).array) / (2 * h)
    numpy.testing.assert_allclose(slope, d.prob(x).array, rtol=1e-6)


REPARAMETERIZED = {"Cauchy": "loc", "Exponential": "lam", "Gumbel": "loc", "Laplace": "loc",
                   "LogNormal": "mu", "MultivariateNormal": "loc", "Pareto": "scale",
                   "Uniform": "low"}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_sampling_reproducible_shapes_dtypes_and_reparameterization(name):
    d32 = _make(name, dtype=numpy.float32)
    rechain.random.seed(7)
    s1 = d32.sample((2, 3))
    rechain.random.seed(7)
    s2 = d32.sample((2, 3))
    assert s1.dtype == numpy.float32 and d32.log_prob(s1).dtype == numpy.float32
    assert s1.shape == (2, 3) + tuple(d32.batch_shape) + tuple(d32.event_shape)
    numpy.testing.assert_array_equal(s1.array, s2.array)
    if name not in REPARAMETERIZED:
        assert not s1.requires_grad
        return
    cls, p, _ = SPECS[name]
    key = REPARAMETERIZED[name]
    keys = sorted(p)

    def func(*args):
        rechain.random.seed(11)   # the same base draws at every evaluation
        return cls(**dict(zip(keys, args))).sample(4)

    arrays = tuple(p[k] for k in keys)
    gy = numpy.random.default_rng(6).normal(size=func(*arrays).shape)
    gradient_check.check_backward(func, arrays, gy, eps=1e-5, atol=1e-4, rtol=1e-4, seed=0)
    v = rechain.Variable(p[key].copy())
    params = dict(p, **{key: v})
    F.sum(cls(**params).sample(3)).backward()
    assert v.grad is not None and numpy.all(numpy.isfinite(v.grad))


@pytest.mark.parametrize("name", ["Gamma", "MultivariateNormal", "Dirichlet"])
def test_forget_gives_plain_values_and_gradients(name):
    func, arrays = _grad_case(name)
    results = []
    for use in (False, True):
        vs = [rechain.Variable(a.copy()) for a in arrays]
        f = lambda *a: F.sum(func(*a)[0]) + F.sum(func(*a)[1])  # noqa: E731
        y = F.forget(f, *vs) if use else f(*vs)
        y.backward()
        results.append([y.array] + [v.grad for v in vs])
    for a, b in zip(*results):
        numpy.testing.assert_array_equal(a, b)


def test_bad_arguments_name_the_distribution_and_the_parameter():
    with pytest.raises(ValueError, match=r"Gamma: parameter shapes do not broadcast: k \(2,\), "
                                         r"theta \(3,\)"):
        D.Gamma(numpy.ones(2), numpy.ones(3))
    with pytest.raises(TypeError, match="Beta: parameters must have one dtype, got a float32, "
                                        "b float64"):
        D.Beta(numpy.ones(2, numpy.float32), numpy.ones(2))
    with pytest.raises(TypeError, match="Poisson: lam must have a floating dtype, got int64"):
        D.Poisson(numpy.ones(2, numpy.int64))
    with pytest.raises(ValueError, match="Uniform: give either low and high or loc and scale, "
                                         r"got \['low', 'scale'\]"):
        D.Uniform(low=numpy.zeros(2), scale=numpy.ones(2))
    with pytest.raises(ValueError, match=r"Dirichlet: alpha needs a last axis.*got shape \(\)"):
        D.Dirichlet(numpy.array(1.0))
    with pytest.raises(ValueError, match=r"MultivariateNormal: loc must be \(..., d\) and "
                                         r"scale_tril \(..., d, d\).*loc \(3,\).*\(2, 2\)"):
        D.MultivariateNormal(numpy.zeros(3), scale_tril=numpy.eye(2))
    with pytest.raises(ValueError, match="MultivariateNormal: scale_tril is required"):
        D.MultivariateNormal(numpy.zeros(2))


def test_kl_outside_the_support_is_infinite():
    narrow = D.Uniform(low=A([0.0]), high=A([1.0]))
    wide = D.Uniform(low=A([-1.0]), high=A([3.0]))
    assert rechain.kl_divergence(wide, narrow).array[0] == math.inf
    numpy.testing.assert_allclose(rechain.kl_divergence(narrow, wide).array, [math.log(4)])
    low = D.Pareto(A([1.0]), A([2.0]))
    high = D.Pareto(A([2.0]), A([2.0]))
    assert rechain.kl_divergence(low, high).array[0] == math.inf


def test_pareto_moments_are_infinite_for_heavy_tails():
    d = D.Pareto(A([1.0, 1.0, 1.0]), A([0.5, 1.5, 3.0]))
    numpy.testing.assert_allclose(d.mean.array, [math.inf, 3.0, 1.5])
    numpy.testing.assert_allclose(d.variance.array, [math.inf, math.inf, 0.75])

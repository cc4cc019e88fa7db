"""Special functions: erf, erfc, erfcx, erfinv, erfcinv, ndtr, ndtri, log_ndtr,
lgamma, digamma, polygamma, zeta.

References: the ``math`` module (erf, erfc, lgamma), closed forms and
identities, and (when installed) mpmath at 60 digits.
"""

import math

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

EULER = 0.57721566490153286061
ZETA3 = 1.2020569031595942854


def _u(rng, lo, hi, shape=(40,)):
    return rng.uniform(lo, hi, size=shape)


def _rel(got, want):
    got, want = numpy.asarray(got, numpy.float64), numpy.asarray(want, numpy.float64)
    return float(numpy.max(numpy.abs(got - want) / numpy.abs(want)))


# ---------------------------------------------------------------- forward values

def test_erf_erfc_match_math(rng):
    x = numpy.concatenate([_u(rng, -6, 6, (200,)), [0.0, -0.0, 1e-300, 27.0, -27.0]])
    numpy.testing.assert_array_equal(F.erf(x).array, [math.erf(v) for v in x])
    numpy.testing.assert_array_equal(F.erfc(x).array, [math.erfc(v) for v in x])


def test_erfcx_moderate_and_asymptotic(rng):
    x = _u(rng, -5, 5, (200,))
    want = [math.exp(v * v) * math.erfc(v) for v in x]
    assert _rel(F.erfcx(x).array, want) < 1e-14
    # Far right: erfc underflows, erfcx ~ (1 - 1/(2x^2) + 3/(4x^4)) / (x sqrt(pi)).
    big = numpy.array([1e3, 3e4, 1e8, 1e70])
    want = (1 - 0.5 / big**2 + 0.75 / big**4) / (big * math.sqrt(math.pi))
    assert _rel(F.erfcx(big).array, want) < 1e-15
    assert F.erfcx(numpy.array([numpy.inf])).array[0] == 0.0
    assert numpy.isposinf(F.erfcx(numpy.array([-30.0])).array[0])


def test_erfinv_erfcinv_invert(rng):
    y = numpy.concatenate([_u(rng, -5, 5, (200,)), [1e-200, -1e-10]])
    p = numpy.array([math.erf(v) for v in y])
    back = F.erfinv(p).array
    numpy.testing.assert_allclose([math.erf(v) for v in back], p, rtol=4.5e-16, atol=0)  # 2 ulp
    # erfc is well conditioned on the right: invert it out to 1e-300.
    yt = numpy.concatenate([_u(rng, -2, 26, (200,)), [0.0]])
    q = numpy.array([math.erfc(v) for v in yt])
    numpy.testing.assert_allclose(F.erfcinv(q).array, yt, rtol=1e-13, atol=1e-15)
    assert F.erfcinv(numpy.array([5e-324])).array[0] == pytest.approx(27.21329321081295, rel=1e-14)


def test_erfinv_special_values():
    numpy.testing.assert_array_equal(
        F.erfinv(numpy.array([1.0, -1.0, 0.0, 1.5, -2.0, numpy.nan])).array,
        [numpy.inf, -numpy.inf, 0.0, numpy.nan, numpy.nan, numpy.nan])
    numpy.testing.assert_array_equal(
        F.erfcinv(numpy.array([0.0, 2.0, 1.0, -0.5, 2.5])).array,
        [numpy.inf, -numpy.inf, 0.0, numpy.nan, numpy.nan])


def test_ndtr_family(rng):
    x = _u(rng, -8, 3, (200,))  # ndtri is ill-conditioned where ndtr rounds to 1
    want = [0.5 * math.erfc(-v / math.sqrt(2)) for v in x]
    assert _rel(F.ndtr(x).array, want) < 1e-13
    numpy.testing.assert_allclose(F.ndtri(numpy.array([0.975, 0.5, 0.025])).array,
                                  [1.959963984540054, 0.0, -1.959963984540054], rtol=1e-15)
    assert F.ndtri(numpy.array([0.5])).array[0] == 0.0 and \
        not numpy.signbit(F.ndtri(numpy.array([0.5])).array[0])
    numpy.testing.assert_array_equal(F.ndtri(numpy.array([0.0, 1.0, 1.5])).array,
                                     [-numpy.inf, numpy.inf, numpy.nan])
    p = F.ndtr(x).array
    numpy.testing.assert_allclose(F.ndtri(p).array, x, rtol=1e-12, atol=1e-13)
    numpy.testing.assert_allclose(F.log_ndtr(x).array, numpy.log(p), rtol=1e-13)


def test_log_ndtr_tails():
    # Left tail: log Phi(x) = -x^2/2 - log(-x sqrt(2 pi)) + log(1 - 1/x^2 + 3/x^4 - ...).
    x = numpy.array([-1e3, -1e5, -1e70])
    want = -0.5 * x * x - numpy.log(-x * math.sqrt(2 * math.pi)) + numpy.log1p(
        -1 / x**2 + 3 / x**4)
    assert _rel(F.log_ndtr(x).array, want) < 1e-15
    # Right tail: log Phi(x) = log1p(-Phi(-x)) ~ -Phi(-x), far below 1's ulp.
    xr = numpy.array([10.0, 30.0])
    want = [-0.5 * math.erfc(v / math.sqrt(2)) for v in xr]
    assert _rel(F.log_ndtr(xr).array, want) < 1e-14


def test_ndtr_left_tail_relative_accuracy():
    # Phi(x) = exp(log Phi(x)) far out, where erfc(-x / sqrt 2) would lose x^2 ulps.
    x = numpy.array([-20.0, -30.0, -37.5])
    want = numpy.exp(F.log_ndtr(x).array)
    assert _rel(F.ndtr(x).array, want) < 1e-13


def test_lgamma_matches_math(rng):
    x = numpy.concatenate([_u(rng, -20, 20, (200,)), [1e-300, 0.5, 1e300]])
    numpy.testing.assert_array_equal(F.lgamma(x).array, [math.lgamma(v) for v in x])
    numpy.testing.assert_array_equal(F.lgamma(numpy.array([0.0, -1.0, -7.0])).array,
                                     [numpy.inf] * 3)


def test_digamma_values(rng):
    got = F.digamma(numpy.array([1.0, 0.5, 5.0, -0.5, 1e-8])).array
    want = [-EULER, -EULER - 2 * math.log(2), 1 + 1 / 2 + 1 / 3 + 1 / 4 - EULER,
            2 - EULER - 2 * math.log(2), -1e8 - EULER + math.pi ** 2 / 6 * 1e-8]
    numpy.testing.assert_allclose(got, want, rtol=1e-14)
    # psi(x + 1) - psi(x) = 1 / x, on both sides of zero.
    x = numpy.concatenate([_u(rng, 0.1, 30, (100,)), _u(rng, -20, -0.1, (100,))])
    x = x[numpy.abs(x - numpy.round(x)) > 0.05]
    d = F.digamma(x + 1).array - F.digamma(x).array
    numpy.testing.assert_allclose(d, 1 / x, rtol=1e-11)
    got = F.digamma(numpy.array([0.0, -0.0, -2.0, numpy.inf])).array
    numpy.testing.assert_array_equal(got, [-numpy.inf, numpy.inf, numpy.nan, numpy.inf])


def test_polygamma_values(rng):
    x = numpy.array([1.0, 0.5, 1.0, 1.0, 1.0])
    n = numpy.array([1, 1, 2, 3, 0], numpy.int32)
    want = [math.pi ** 2 / 6, math.pi ** 2 / 2, -2 * ZETA3, math.pi ** 4 / 15, -EULER]
    numpy.testing.assert_allclose(F.polygamma(n, x).array, want, rtol=1e-14)
    # psi^(n)(x + 1) - psi^(n)(x) = (-1)^n n! / x^(n + 1); at negative x only
    # for even n + 1, where no terms of the series cancel.
    xn = _u(rng, -4, -0.2, (20,))
    xp = _u(rng, 0.2, 20, (60,))
    for k, x in ((1, numpy.concatenate([xp, xn[numpy.abs(xn - numpy.round(xn)) > 0.1]])),
                 (2, xp), (4, xp), (3, xn[numpy.abs(xn - numpy.round(xn)) > 0.1])):
        d = F.polygamma(k, x + 1).array - F.polygamma(k, x).array
        numpy.testing.assert_allclose(d, (-1) ** k * math.factorial(k) / x ** (k + 1),
                                      rtol=1e-11)
    assert numpy.isnan(F.polygamma(-1, numpy.array([1.0])).array[0])


def test_zeta_values(rng):
    numpy.testing.assert_allclose(
        F.zeta(numpy.array([2.0, 4.0, 3.0, 2.0]), numpy.array([1.0, 1.0, 1.0, 0.5])).array,
        [math.pi ** 2 / 6, math.pi ** 4 / 90, ZETA3, math.pi ** 2 / 2], rtol=1e-15)
    # zeta(s, q) - zeta(s, q + 1) = q^-s over the ranges Chainer's tests use.
    s = _u(rng, 1.1, 50, (200,))
    q = _u(rng, 0.5, 50, (200,))
    d = F.zeta(s, q).array - F.zeta(s, q + 1).array
    ok = d > 1e-3 * F.zeta(s, q).array  # away from cancellation
    numpy.testing.assert_allclose(d[ok], q[ok] ** -s[ok], rtol=1e-12)
    numpy.testing.assert_array_equal(
        F.zeta(numpy.array([1.0, 0.5, 2.0, 2.5]), numpy.array([2.0, 2.0, -1.0, -1.5])).array,
        [numpy.inf, numpy.nan, numpy.inf, numpy.nan])
    # Negative q with an integer exponent is the same series.
    numpy.testing.assert_allclose(F.zeta(2.0, numpy.array([-0.5])).array,
                                  [4 + math.pi ** 2 / 2], rtol=1e-14)


def test_against_mpmath(rng):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    cases = [
        (F.erfcx, _u(rng, -20, 30), lambda v: mp.exp(v * v) * mp.erfc(v)),
        (F.erfinv, _u(rng, -1, 1), mp.erfinv),
        (F.erfcinv, numpy.geomspace(1e-300, 1.9, 40),
         lambda v: mp.erfinv(1 - v) if v > 1e-30 else mp.findroot(
             lambda y: mp.log(mp.erfc(y)) - mp.log(v), mp.sqrt(-mp.log(v)))),
        (F.ndtr, _u(rng, -37, 8), mp.ncdf),
        (F.ndtri, numpy.geomspace(1e-300, 0.99, 40),
         lambda v: mp.sqrt(2) * mp.erfinv(2 * v - 1) if v > 1e-30 else
         mp.findroot(lambda y: mp.log(mp.ncdf(y)) - mp.log(v), -mp.sqrt(-2 * mp.log(v)))),
        (F.log_ndtr, _u(rng, -100, 5), lambda v: mp.log(mp.ncdf(v))),
        (F.digamma, numpy.concatenate([_u(rng, 2, 60), _u(rng, -10.4, -10.1)]), mp.digamma),
        (lambda a: F.polygamma(3, a), _u(rng, 0.1, 30), lambda v: mp.polygamma(3, v)),
        (lambda a: F.zeta(7.5, a), _u(rng, 0.1, 30), lambda v: mp.zeta(7.5, v)),
    ]
    for f, x, ref in cases:
        with mp.workdps(60):
            want = [float(ref(mp.mpf(float(v)))) for v in x]
        assert _rel(f(x).array, want) < 3e-14, f


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32])
@pytest.mark.parametrize("name", ["erf", "erfc", "erfcx", "erfinv", "erfcinv", "ndtr",
                                  "ndtri", "log_ndtr", "lgamma", "digamma"])
def test_low_precision_dtypes(rng, name, dtype):
    x = _u(rng, 0.1, 0.9, (3, 4))
    y = getattr(F, name)(x.astype(dtype))
    assert y.dtype == dtype and y.shape == (3, 4)
    want = getattr(F, name)(x.astype(dtype).astype(numpy.float64)).array.astype(dtype)
    numpy.testing.assert_array_equal(y.array, want)


@pytest.mark.parametrize("name", ["erf", "erfc", "erfcx", "erfinv", "erfcinv", "ndtr",
                                  "ndtri", "log_ndtr", "lgamma", "digamma", "polygamma",
                                  "zeta"])
@pytest.mark.parametrize("v", [-2.5, 0.3, 1.5])
def test_zero_dimensional_input(name, v):
    x = numpy.array(v)
    y = _call(name, x)
    assert y.shape == () and y.dtype == numpy.float64
    numpy.testing.assert_array_equal(y.array, _call(name, x.reshape(1)).array[0])


# ---------------------------------------------------------------- gradients

DERIV = {
    "erf": (lambda x: 2 / math.sqrt(math.pi) * numpy.exp(-x * x), (-2, 2)),
    "erfc": (lambda x: -2 / math.sqrt(math.pi) * numpy.exp(-x * x), (-2, 2)),
    "erfcx": (lambda x: 2 * x * F.erfcx(x).array - 2 / math.sqrt(math.pi), (-2, 4)),
    "erfinv": (lambda x: math.sqrt(math.pi) / 2 * numpy.exp(F.erfinv(x).array ** 2),
               (-0.9, 0.9)),
    "erfcinv": (lambda x: -math.sqrt(math.pi) / 2 * numpy.exp(F.erfcinv(x).array ** 2),
                (0.1, 1.9)),
    "ndtr": (lambda x: numpy.exp(-x * x / 2) / math.sqrt(2 * math.pi), (-3, 3)),
    "ndtri": (lambda x: math.sqrt(2 * math.pi) * numpy.exp(F.ndtri(x).array ** 2 / 2),
              (0.05, 0.95)),
    "log_ndtr": (lambda x: numpy.exp(-x * x / 2) / math.sqrt(2 * math.pi)
                 / F.ndtr(x).array, (-6, 3)),
    "lgamma": (lambda x: F.digamma(x).array, (0.3, 6)),
    "digamma": (lambda x: F.polygamma(1, x).array, (0.3, 6)),
}


@pytest.mark.parametrize("name", sorted(DERIV))
def test_backward_matches_formula(rng, name):
    d, (lo, hi) = DERIV[name]
    x = Variable(_u(rng, lo, hi, (2, 5)))
    F.sum(getattr(F, name)(x)).backward()
    numpy.testing.assert_allclose(x.grad, d(x.array), rtol=1e-14)


def test_log_ndtr_gradient_finite_in_left_tail():
    x = Variable(numpy.array([-40.0, -1e4]))
    F.sum(F.log_ndtr(x)).backward()
    # d/dx log Phi(x) ~ -x for x -> -inf (1/x^2 corrections).
    numpy.testing.assert_allclose(x.grad, -x.array * (1 + 1 / x.array ** 2), rtol=1e-5)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("name", sorted(DERIV))
def test_grads(rng, grads, name, dtype):
    lo, hi = DERIV[name][1]
    grads(getattr(F, name), (_u(rng, lo, hi, (2, 3)),), dtype)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_grads_polygamma_zeta(rng, grads, dtype):
    n = numpy.array([[0, 1, 2], [3, 1, 0]], numpy.int32)
    grads(lambda x: F.polygamma(n, x), (_u(rng, 0.5, 3, (2, 3)),), dtype)
    grads(lambda x: F.polygamma(2, x), (_u(rng, 0.5, 3, (4,)),), dtype)
    grads(lambda q: F.zeta(3.0, q), (_u(rng, 0.5, 3, (2, 3)),), dtype)
    s = _u(rng, 1.5, 4, (2, 3)).astype(dtype)
    grads(lambda q: F.zeta(s, q), (_u(rng, 0.5, 3, (2, 3)),), dtype)


def test_polygamma_n_broadcasts_over_x():
    x = Variable(numpy.full((2, 3), 1.5))
    y = F.polygamma(numpy.array([0, 1, 2]), x)
    assert y.shape == (2, 3)
    F.sum(y).backward()
    want = [F.polygamma(k + 1, numpy.array([1.5])).array[0] for k in range(3)]
    numpy.testing.assert_allclose(x.grad, [want, want], rtol=1e-15)


ALL = ["erf", "erfc", "erfcx", "erfinv", "erfcinv", "ndtr", "ndtri", "log_ndtr", "lgamma",
       "digamma", "polygamma", "zeta"]


def _call(name, x):
    if name == "polygamma":
        return F.polygamma(2, x)
    if name == "zeta":
        return F.zeta(3.0, x + 1.0 if isinstance(x, Variable) else numpy.asarray(x + 1.0))
    return getattr(F, name)(x)


@pytest.mark.parametrize("name", ALL)
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = _u(rng, 0.2, 0.8, (3, 4))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())
        f = lambda x: _call(name, F.sigmoid(x * 0.5)) * x  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("name", ALL)
def test_integer_input_is_rejected(name):
    x = numpy.arange(3, dtype=numpy.int32)
    argname = "q" if name == "zeta" else "x"
    with pytest.raises(rechain.InvalidType,
                       match=rf"{name}: {argname} must have a floating-point dtype, got int32"):
        _call(name, x) if name != "zeta" else F.zeta(2.0, x)


def test_polygamma_and_zeta_bad_orders():
    x = numpy.ones((2, 3))
    with pytest.raises(rechain.InvalidType, match="polygamma: n must be an integer or an "
                                                  "integer array, got an array of dtype float64"):
        F.polygamma(numpy.ones(3), x)
    with pytest.raises(rechain.InvalidType, match=r"polygamma: n of shape \(4,\) does not "
                                                  r"broadcast to x's shape \(2, 3\)"):
        F.polygamma(numpy.ones(4, numpy.int64), x)
    with pytest.raises(rechain.InvalidType, match=r"zeta: x of shape \(2,\) does not "
                                                  r"broadcast to q's shape \(2, 3\)"):
        F.zeta(numpy.ones(2), x)
    with pytest.raises(TypeError, match="zeta: x must be a float or a real array, not str"):
        F.zeta("2", x)

"""Array kernels of the special functions (erf family, normal CDF, gamma family).

The functions in ``erf.py``, ``ndtr.py`` and ``gamma.py`` call these on their
input arrays. NumPy is the only dependency (no SciPy): the error function and
log-gamma come from :mod:`math` mapped over the array, the rest are built on
them with well-known series, continued fractions and Newton steps, in
float64, accurate to about 1e-14 relative over the ranges the tests sweep
(less next to a function's zeros, where relative error is ill-posed). CuPy
arrays are handed to ``cupyx.scipy.special``, which CuPy ships.

Every kernel takes and returns float64 NumPy arrays (the callers cast).
"""

import math

import numpy

from rechain import backend

_SQRT_PI = math.sqrt(math.pi)
_SQRT2 = math.sqrt(2.0)
_TWO_OVER_SQRT_PI = 2.0 / _SQRT_PI

_erf_u = numpy.frompyfunc(math.erf, 1, 1)
_erfc_u = numpy.frompyfunc(math.erfc, 1, 1)
_lgamma_u = numpy.frompyfunc(math.lgamma, 1, 1)


def cupy_special():
    """``cupyx.scipy.special`` (the GPU path of every kernel here)."""
    import cupyx.scipy.special
    return cupyx.scipy.special


def _f64(x):
    return numpy.asarray(x, dtype=numpy.float64)


def _mapped(ufunc, x):
    return numpy.asarray(ufunc(_f64(x)), dtype=numpy.float64)


def erf(x):
    return _mapped(_erf_u, x)


def erfc(x):
    return _mapped(_erfc_u, x)


# Below this, erfcx is exp(x^2) * erfc(x) directly (exp's argument carries
# the rounding error of x^2 back in, see _exp_square, and math.erfc is
# accurate far into the tail); above, where erfc nears underflow, the
# continued fraction of Laplace, which at x >= 25 converges to double
# precision in 8 terms.
_ERFCX_SPLIT = 25.0
_ERFCX_TERMS = 8


def _exp_square(x, scale=1.0):
    """``exp(scale * x * x)`` with the rounding error of ``x * x`` put back
    (Dekker's exact product), for |x| < 1e150 and ``scale`` a power of two; a
    plain ``exp(x * x)`` is off by up to ``x^2`` ulps."""
    hi = x * x
    c = 134217729.0 * x  # 2^27 + 1: splits x into two 26-bit halves
    xh = c - (c - x)
    xl = x - xh
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    with numpy.errstate(over="ignore", invalid="ignore"):
        return numpy.exp(scale * hi) * (1.0 + scale * lo)


def erfcx(x):
    """Scaled complementary error function ``exp(x^2) * erfc(x)``."""
    x = _f64(x)
    out = numpy.empty_like(x)
    a = numpy.abs(x)
    small = a < _ERFCX_SPLIT
    xs = a[small]
    out[small] = _exp_square(xs) * erfc(xs)
    big = ~small
    xb = a[big]
    if xb.size:
        # erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
        with numpy.errstate(invalid="ignore"):
            t = xb.copy()
            for n in range(_ERFCX_TERMS, 0, -1):
                t = xb + (0.5 * n) / t
            r = 1.0 / (_SQRT_PI * t)
        r[numpy.isposinf(xb)] = 0.0
        out[big] = r
    neg = x < 0
    if neg.any():
        xn = numpy.maximum(x[neg], -27.0)  # beyond, exp(x^2) is inf anyway
        out[neg] = 2.0 * _exp_square(xn) - out[neg]
    out[numpy.isnan(x)] = numpy.nan
    return out


def _giles_guess(p, q2):
    """Initial guess of erfinv from M. Giles' single-precision approximation.

    ``q2 = (1 - p)(1 + p)`` is passed in so that the tail can give it exactly.
    """
    w = -numpy.log(q2)
    lo = w < 5.0
    g = numpy.empty_like(p)
    wl = w[lo] - 2.5
    c = 2.81022636e-08
    for k in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
              -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
        c = k + c * wl
    g[lo] = c * p[lo]
    wh = numpy.sqrt(w[~lo]) - 3.0
    c = -0.000200214257
    for k in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
              -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
        c = k + c * wh
    g[~lo] = c * p[~lo]
    return g


def _erfcinv_tail(q):
    """y >= 0 with erfc(y) = q, for 0 < q <= 0.5.

    Newton's method on ``log erfc(y) - log q`` (written with erfcx so nothing
    underflows), which is concave, so the iterates converge from any start.
    """
    logq = numpy.log(q)
    # Guess: Giles' approximation where it was fitted (w = -log(q(2-q)) up to
    # about 16), the asymptote y^2 = -log(q sqrt(pi) y) further out.
    y = _giles_guess(1.0 - q, q * (2.0 - q))
    far = q < 1e-7
    if far.any():
        t = numpy.sqrt(-logq[far])
        for _ in range(3):
            t = numpy.sqrt(-logq[far] - numpy.log(_SQRT_PI * t))
        # Newton from the cruder asymptote first, on those elements only.
        lq = logq[far]
        for _ in range(3):
            e = erfcx(t)
            t = t + (numpy.log(e) - t * t - lq) * (0.5 * _SQRT_PI) * e
        y[far] = t
    # From Giles' guess (about 1e-7 off) two Newton steps reach double precision.
    for _ in range(2):
        e = erfcx(y)
        y = y + (numpy.log(e) - y * y - logq) * (0.5 * _SQRT_PI) * e
    return y


def _erfinv_central(p):
    """erfinv(p) for |p| <= 0.5: Halley's method on erf(y) - p."""
    y = _giles_guess(p, (1.0 - p) * (1.0 + p))
    # Giles' guess is about 1e-7 off; Halley's method triples the digits.
    d = (erf(y) - p) / (_TWO_OVER_SQRT_PI * numpy.exp(-y * y))
    return y - d / (1.0 + y * d)


def erfinv(p):
    """Inverse of erf on [-1, 1] (+-inf at +-1, NaN outside)."""
    p = _f64(p)
    out = numpy.full_like(p, numpy.nan)
    a = numpy.abs(p)
    c = a <= 0.5
    out[c] = _erfinv_central(p[c])
    t = (a > 0.5) & (a < 1.0)
    out[t] = numpy.sign(p[t]) * _erfcinv_tail(1.0 - a[t])  # 1 - a is exact here
    one = a == 1.0
    out[one] = numpy.sign(p[one]) * numpy.inf
    return out


def erfcinv(q):
    """Inverse of erfc on [0, 2] (+inf at 0, -inf at 2, NaN outside)."""
    q = _f64(q)
    out = numpy.full_like(q, numpy.nan)
    lo = (q > 0.0) & (q < 0.5)
    out[lo] = _erfcinv_tail(q[lo])
    mid = (q >= 0.5) & (q <= 1.5)
    out[mid] = _erfinv_central(1.0 - q[mid])  # exact: Sterbenz
    hi = (q > 1.5) & (q < 2.0)
    out[hi] = -_erfcinv_tail(2.0 - q[hi])
    out[q == 0.0] = numpy.inf
    out[q == 2.0] = -numpy.inf
    return out


def ndtr(x):
    """Standard normal CDF.

    In the left tail as ``erfcx(-x / sqrt 2) / 2 * exp(-x^2 / 2)``: erfc of the
    rounded ``-x / sqrt 2`` would be off by ``x^2`` ulps there.
    """
    x = _f64(x)
    out = numpy.asarray(0.5 * erfc(x * (-1.0 / _SQRT2)))  # 0-d stays an array
    left = x < -1.0
    xl = numpy.maximum(x[left], -40.0)  # beyond, the result is 0
    out[left] = 0.5 * erfcx(xl * (-1.0 / _SQRT2)) * _exp_square(xl, -0.5)
    return out


def log_ndtr(x):
    """log of the standard normal CDF, without underflow in the left tail."""
    x = _f64(x)
    out = numpy.empty_like(x)
    neg = x < 0
    xn = x[neg]
    with numpy.errstate(divide="ignore"):
        out[neg] = numpy.log(0.5 * erfcx(xn * (-1.0 / _SQRT2))) - 0.5 * xn * xn
    xp = x[~neg]
    out[~neg] = numpy.log1p(-0.5 * erfc(xp * (1.0 / _SQRT2)))
    return out


def ndtri(p):
    """Inverse of the standard normal CDF on [0, 1]."""
    return -_SQRT2 * erfcinv(2.0 * _f64(p)) + 0.0  # + 0.0: ndtri(0.5) is +0


def _poles(x):
    return (x <= 0) & (x == numpy.floor(x))


def lgamma(x):
    """log |Gamma(x)| (+inf at the poles 0, -1, -2, ...)."""
    x = _f64(x)
    poles = _poles(x)
    out = _mapped(_lgamma_u, numpy.where(poles, 1.0, x))
    out[poles] = numpy.inf
    return out


_SHIFTS = numpy.arange(10.0)

# B_{2k} / (2k), k = 1..7: the asymptotic series of digamma.
_DIGAMMA_ASYMP = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def digamma(x):
    """Digamma psi(x) = d/dx log Gamma(x).

    Reflection for x < 0, the recurrence ten steps up (so x >= 10), then the
    asymptotic series. -inf at +0, +inf at -0, NaN at the negative integers (SciPy's
    values).
    """
    x = _f64(x)
    out = numpy.zeros_like(x)
    neg = x < 0
    z = numpy.where(neg, 1.0 - x, x)
    if neg.any():
        # psi(x) = psi(1 - x) - pi cot(pi x); cot has period 1, so reduce x first.
        r = x[neg] - numpy.round(x[neg])
        with numpy.errstate(divide="ignore"):
            out[neg] = -math.pi / numpy.tan(math.pi * r)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        # psi(z) = psi(z + 10) - sum_{k<10} 1/(z + k): one shift for every
        # element (cheaper than a loop that stops early).
        out -= (1.0 / (z[..., None] + _SHIFTS)).sum(axis=-1)
        z = z + 10.0
        inv2 = 1.0 / (z * z)
        series = 0.0
        for c in reversed(_DIGAMMA_ASYMP):
            series = (series + c) * inv2
        out += numpy.log(z) - 0.5 / z - series
    out[neg & (x == numpy.floor(x))] = numpy.nan
    zero = x == 0
    out[zero] = numpy.where(numpy.signbit(x[zero]), numpy.inf, -numpy.inf)
    out[numpy.isposinf(x)] = numpy.inf
    return out


# B_{2j} / (2j)!, j = 1..12: the Euler-Maclaurin tail of the Hurwitz zeta.
_EM = tuple(float(b) for b in (
    1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160,
    -691 / 1307674368000, 1 / 74724249600, -3617 / 10670622842880000,
    43867 / 5109094217170944000, -174611 / 802857662698291200000,
    77683 / 14101100039391805440000, -236364091 / 1693824136731743669452800000))


def zeta(s, q):
    """Hurwitz zeta sum_k (q + k)^-s for s > 1 (s = 1: inf; s < 1: NaN).

    Direct sum until q + k reaches max(10, 2s) (capped at 110) for every
    element, then the Euler-Maclaurin remainder with 12 Bernoulli terms, whose ratio of
    successive terms is then below ((s + 24) / (2 pi a))^2. For q <= 0: inf at
    the integers, NaN unless s is an integer, else the same sum.
    """
    s, q = numpy.broadcast_arrays(_f64(s), _f64(q))
    s = s.copy()
    q = q.copy()
    out = numpy.zeros(s.shape)
    bad = (s < 1) | numpy.isnan(s) | numpy.isnan(q) | ((q <= 0) & (s != numpy.floor(s)))
    pole = (s == 1) | _poles(q)
    skip = bad | pole
    s[skip] = 2.0
    q[skip] = 1.0
    target = numpy.clip(2.0 * s, 10.0, 110.0)
    # One shift by the largest number of terms any element needs (a larger
    # shift only makes the remainder smaller): one broadcast power, no loop.
    n = int(numpy.ceil(numpy.max(target - q, initial=0.0)))
    if n:
        ks = numpy.arange(float(n))
        with numpy.errstate(over="ignore", divide="ignore"):
            out += numpy.power(q[..., None] + ks, -s[..., None]).sum(axis=-1)
    a = q + n
    ps = numpy.power(a, -s)
    tail = a * ps / (s - 1.0) + 0.5 * ps
    fac = s.copy()          # s (s + 1) ... (s + 2j - 2)
    t = ps / a              # a^(-s - 2j + 1)
    for j, b in enumerate(_EM, start=1):
        tail += b * fac * t
        fac = fac * (s + 2 * j - 1) * (s + 2 * j)
        t = t / (a * a)
    out += tail
    out[bad] = numpy.nan
    out[pole & ~bad] = numpy.inf
    return out


def polygamma(n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x); digamma at n = 0; NaN for n < 0."""
    if numpy.ndim(n) == 0:  # one order for all: no masks
        k = int(n)
        x = _f64(x)
        if k < 0:
            return numpy.full(x.shape, numpy.nan)
        if k == 0:
            return digamma(x)
        fact = float(math.factorial(k)) if k <= 170 else numpy.inf  # 171! overflows
        return (1.0 if k % 2 else -1.0) * fact * zeta(numpy.full(x.shape, k + 1.0), x)
    n, x = numpy.broadcast_arrays(numpy.asarray(n), _f64(x))
    nf = n.astype(numpy.float64)
    out = numpy.empty(x.shape)
    d = nf == 0
    out[d] = digamma(x[d])
    p = nf > 0
    if p.any():
        k = nf[p]
        fact = numpy.exp(lgamma(k + 1.0))
        ints = k <= 25
        fact[ints] = [float(math.factorial(int(v))) for v in k[ints]]
        sign = numpy.where(k % 2 == 1, 1.0, -1.0)
        out[p] = sign * fact * zeta(k + 1.0, x[p])
    out[nf < 0] = numpy.nan
    return out


_CUPY_NAMES = {"lgamma": "gammaln", "digamma": "digamma"}


def run(name, *arrays, dtype=None):
    """Kernel ``name`` on ``arrays`` (the last sets the result dtype unless
    ``dtype`` is given): these kernels on NumPy, cupyx.scipy.special on CuPy."""
    dtype = arrays[-1].dtype if dtype is None else dtype
    if backend.get_array_module(*arrays) is numpy:
        return numpy.asarray(globals()[name](*arrays)).astype(dtype, copy=False)
    f = getattr(cupy_special(), _CUPY_NAMES.get(name, name))
    return f(*arrays).astype(dtype, copy=False)

import warnings

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def ref(x, gamma, beta, rmax, dmax, eps, rm, rv):
    """The paper's Algorithm 1 (with Chainer's variance conventions), in float64."""
    x = x.astype(numpy.float64)
    axes = (0,) + tuple(range(1 + gamma.ndim, x.ndim))
    b = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    std = numpy.sqrt(var + eps)
    rstd = numpy.sqrt(rv + eps)
    r = numpy.clip(std / rstd, 1 / rmax, rmax)
    d = numpy.clip((mean - rm) / rstd, -dmax, dmax)
    xh = (x - mean.reshape(b)) / std.reshape(b)
    y = gamma.reshape(b) * (xh * r.reshape(b) + d.reshape(b)) + beta.reshape(b)
    m = x.size // gamma.size
    return y, mean, var * m / (m - 1)


CASES = [((5, 3), (3,)), ((4, 3, 2, 2), (3,)), ((5, 3, 4), (3, 4))]


def _data(xs, ps, dtype, rng):
    return (rng.uniform(-1, 1, xs).astype(dtype) * 2 + 0.5,
            rng.uniform(0.5, 1.5, ps).astype(dtype), rng.uniform(-1, 1, ps).astype(dtype),
            rng.uniform(-0.5, 0.5, ps).astype(dtype), rng.uniform(0.5, 1.5, ps).astype(dtype))


@pytest.mark.parametrize("rmax,dmax", [(1.0, 0.0), (1.5, 0.3), (3.0, 2.0)])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ps", CASES)
def test_forward_and_statistics(xs, ps, dtype, rmax, dmax):
    x, g, b, rm, rv = _data(xs, ps, dtype, numpy.random.default_rng(0))
    ry, rmean, rvar = ref(x, g, b, rmax, dmax, 1e-3, rm.astype(numpy.float64),
                          rv.astype(numpy.float64))
    rm0, rv0 = rm.copy(), rv.copy()
    y = F.batch_renormalization(x, g, b, rmax, dmax, 1e-3, rm, rv, decay=0.8)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ry, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_array_equal(rm, rm0)   # not updated by default (Chainer's)
    F.batch_renormalization(x, g, b, rmax, dmax, 1e-3, rm, rv, decay=0.8,
                            update_statistics=True)
    numpy.testing.assert_allclose(rm, 0.8 * rm0 + 0.2 * rmean, rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(rv, 0.8 * rv0 + 0.2 * rvar, rtol=1e-5, atol=1e-6)


def test_rmax_one_dmax_zero_is_batch_normalization():
    x, g, b, rm, rv = _data((6, 3), (3,), numpy.float64, numpy.random.default_rng(1))
    numpy.testing.assert_allclose(F.batch_renormalization(x, g, b, 1, 0, 2e-5, rm, rv).array,
                                  F.batch_normalization(x, g, b).array, rtol=1e-12)


@pytest.mark.parametrize("xs,ps", CASES[:2])
def test_gradients_treat_r_and_d_as_constants(xs, ps, grads):
    rng = numpy.random.default_rng(2)
    x, g, b, rm, rv = _data(xs, ps, numpy.float64, rng)
    # r and d are clipped to constants, so the numerical derivative (which
    # moves the statistics) agrees only where they are clipped at the bounds:
    # use tiny running variances and far means (r = rmax, d = +-dmax).
    rv = numpy.full(ps, 1e-3)
    rm = numpy.where(rng.uniform(size=ps) > 0.5, 10.0, -10.0)
    grads(lambda x, g, b: F.batch_renormalization(x, g, b, 2.0, 0.5, 2e-5, rm, rv),
          (x, g, b))


def test_gradient_closed_form():
    """gx = r gamma / std (gy - mean(gy) - x_hat mean(gy x_hat)); ggamma, gbeta."""
    rng = numpy.random.default_rng(3)
    x, g, b, rm, rv = _data((7, 2), (2,), numpy.float64, rng)
    gy = rng.uniform(-1, 1, x.shape)
    vs = [rechain.Variable(a) for a in (x, g, b)]
    y = F.batch_renormalization(*vs, 1.7, 0.4, 2e-5, rm, rv)
    y.grad = gy
    y.backward()
    mean, std = x.mean(0), numpy.sqrt(x.var(0) + 2e-5)
    rstd = numpy.sqrt(rv + 2e-5)
    r = numpy.clip(std / rstd, 1 / 1.7, 1.7)
    d = numpy.clip((mean - rm) / rstd, -0.4, 0.4)
    xh = (x - mean) / std
    gx = r * g / std * (gy - gy.mean(0) - xh * (gy * xh).mean(0))
    numpy.testing.assert_allclose(vs[0].grad, gx, rtol=1e-9, atol=1e-12)
    numpy.testing.assert_allclose(vs[1].grad, (gy * (xh * r + d)).sum(0), rtol=1e-9)
    numpy.testing.assert_allclose(vs[2].grad, gy.sum(0), rtol=1e-9)


def test_forget_gives_plain_outputs_gradients_and_statistics():
    rng = numpy.random.default_rng(4)
    x0, g0, b0, rm0, rv0 = _data((5, 3), (3,), numpy.float64, rng)
    out = []
    for use in (False, True):
        rm, rv = rm0.copy(), rv0.copy()
        x, g = rechain.Variable(x0.copy()), rechain.Variable(g0.copy())

        def f(x, g):
            return F.batch_renormalization(F.tanh(x), g, b0, 1.5, 0.5, 2e-5, rm, rv,
                                           update_statistics=True)
        y = F.forget(f, x, g) if use else f(x, g)
        F.sum(y * y).backward()
        out.append((y.array, x.grad, g.grad, rm, rv))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_fixed_batch_renormalization_is_fixed_batch_normalization():
    x, g, b, m, v = _data((4, 3), (3,), numpy.float64, numpy.random.default_rng(5))
    with pytest.warns(DeprecationWarning, match="fixed_batch_renormalization is deprecated"):
        y = F.fixed_batch_renormalization(x, g, b, m, v)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        numpy.testing.assert_array_equal(y.array, F.fixed_batch_normalization(x, g, b, m,
                                                                              v).array)


def test_bad_input():
    x, g, b, rm, rv = _data((4, 3), (3,), numpy.float32, numpy.random.default_rng(6))
    with pytest.raises(TypeError, match="batch_renormalization: running_mean is required"):
        F.batch_renormalization(x, g, b, 1, 0)
    with pytest.raises(ValueError, match=r"batch_renormalization: rmax must be at least 1, "
                                         r"got 0.5"):
        F.batch_renormalization(x, g, b, 0.5, 0, running_mean=rm, running_var=rv)
    with pytest.raises(ValueError, match="batch_renormalization: dmax must be non-negative"):
        F.batch_renormalization(x, g, b, 1, -1, running_mean=rm, running_var=rv)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_renormalization: running_var of shape \(2,\) does not "
                             r"match x \(4, 3\): expected \(3,\)"):
        F.batch_renormalization(x, g, b, 1, 0, running_mean=rm, running_var=rv[:2])

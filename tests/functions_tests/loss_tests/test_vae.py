import math

import numpy
import pytest

import rechain
import rechain.functions as F

DTYPES = [numpy.float32, numpy.float64]


def _softplus(y):
    return numpy.logaddexp(0, y)


def _refs(x, mean, ln_var, y):
    return {
        "kl": 0.5 * (mean ** 2 + numpy.exp(ln_var) - ln_var - 1),
        "bern": -(x * numpy.log(1 / (1 + numpy.exp(-y)))
                  + (1 - x) * numpy.log(1 - 1 / (1 + numpy.exp(-y)))),
        "gauss": 0.5 * math.log(2 * math.pi) + 0.5 * ln_var
        + 0.5 * (x - mean) ** 2 / numpy.exp(ln_var),
    }


def _inputs(shape, seed=0):
    rng = numpy.random.default_rng(seed)
    return (rng.uniform(0, 1, shape), rng.normal(size=shape), rng.uniform(-1, 1, shape),
            rng.normal(size=shape))


def _reduce(a, reduce):
    return a.sum() if reduce == "sum" else a.mean() if reduce == "mean" else a


@pytest.mark.parametrize("reduce", ["sum", "mean", "no"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(reduce, dtype):
    x, mean, ln_var, y = _inputs((3, 4))
    ref = _refs(x, mean, ln_var, y)
    c = [a.astype(dtype) for a in (x, mean, ln_var, y)]
    got = {"kl": F.gaussian_kl_divergence(c[1], c[2], reduce=reduce),
           "bern": F.bernoulli_nll(c[0], c[3], reduce=reduce),
           "gauss": F.gaussian_nll(c[0], c[1], c[2], reduce=reduce)}
    for k, v in got.items():
        want = _reduce(ref[k], reduce)
        assert v.dtype == dtype and v.shape == numpy.shape(want), k
        numpy.testing.assert_allclose(v.array, want, rtol=1e-5, err_msg=k)


def test_bernoulli_nll_is_stable_for_large_logits():
    y = numpy.array([-800.0, 800.0])
    loss = F.bernoulli_nll(numpy.array([1.0, 0.0]), y, reduce="no")
    numpy.testing.assert_allclose(loss.array, [800.0, 800.0])


def test_gaussian_kl_of_standard_normal_is_zero():
    z = numpy.zeros((2, 3), numpy.float32)
    assert float(F.gaussian_kl_divergence(z, z).array) == 0.0


@pytest.mark.parametrize("reduce", ["sum", "no"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gradients(check_grads, reduce, dtype):
    x, mean, ln_var, y = (a.astype(dtype) for a in _inputs((2, 3), 1))
    check_grads(lambda m, v: F.gaussian_kl_divergence(m, v, reduce=reduce), (mean, ln_var))
    check_grads(lambda a, b: F.bernoulli_nll(a, b, reduce=reduce), (x, y))
    check_grads(lambda a, m, v: F.gaussian_nll(a, m, v, reduce=reduce), (x, mean, ln_var))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    x, mean, ln_var, y = _inputs((3, 2), 2)
    forget_matches_plain(lambda m, v: F.gaussian_kl_divergence(m, v, reduce="no"),
                         (mean, ln_var))
    forget_matches_plain(lambda a, b: F.bernoulli_nll(a, b), (x, y))
    forget_matches_plain(lambda a, m, v: F.gaussian_nll(a, m, v, reduce="mean"),
                         (x, mean, ln_var))


def test_bad_input():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"gaussian_kl_divergence: mean and ln_var "
                                                   r"must have the same shape, got \(2, 3\) "
                                                   r"and \(3,\)"):
        F.gaussian_kl_divergence(a, a[0])
    with pytest.raises(rechain.InvalidType, match="bernoulli_nll: x and y must have the same "
                                                   "dtype, got float32 and float64"):
        F.bernoulli_nll(a, a.astype(numpy.float64))
    with pytest.raises(rechain.InvalidType, match="gaussian_nll: ln_var must have a floating"):
        F.gaussian_nll(a, a, a.astype(numpy.int32))
    with pytest.raises(ValueError, match=r"gaussian_nll: reduce must be one of 'sum', 'mean', "
                                         r"'no', got 'max'"):
        F.gaussian_nll(a, a, a, reduce="max")

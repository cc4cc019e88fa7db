import numpy
import pytest

import rechain
import rechain.functions as F


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_forward_uses_eps(dtype):
    rng = numpy.random.default_rng(0)
    m, v = rng.normal(size=(3, 4)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    y, eps = F.gaussian(m, v, return_eps=True)
    assert y.dtype == dtype and y.shape == (3, 4) and eps.dtype == dtype
    want = m.astype(float) + numpy.exp(v.astype(float) / 2) * eps.astype(float)
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == numpy.float16 else dict(rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(y.array, want, **tol)
    y2 = F.gaussian(m, v, eps=eps)
    numpy.testing.assert_array_equal(y2.array, y.array)


def test_samples_have_the_requested_moments():
    rechain.random.seed(3)
    m = numpy.full(200000, 2.0)
    v = numpy.full(200000, numpy.log(9.0))
    y = F.gaussian(m, v).array
    assert abs(y.mean() - 2.0) < 0.03 and abs(y.std() - 3.0) < 0.03


def test_seed_reproduces_and_draws_differ():
    z = numpy.zeros(50)
    rechain.random.seed(7)
    a = F.gaussian(z, z).array
    b = F.gaussian(z, z).array
    rechain.random.seed(7)
    numpy.testing.assert_array_equal(F.gaussian(z, z).array, a)
    assert not numpy.array_equal(a, b)


def test_gradients(check_grads):
    rng = numpy.random.default_rng(1)
    m, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    eps = rng.normal(size=(2, 3))
    check_grads(lambda m, v: F.gaussian(m, v, eps=eps), (m, v))


def test_gradient_values():
    m, v = rechain.Variable(numpy.zeros(3)), rechain.Variable(numpy.zeros(3))
    eps = numpy.array([1.0, -2.0, 0.5])
    F.sum(F.gaussian(m, v, eps=eps)).backward()
    numpy.testing.assert_array_equal(m.grad, [1.0, 1.0, 1.0])
    numpy.testing.assert_allclose(v.grad, eps / 2)


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(2)
    m, v = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    rechain.random.seed(11)
    plain = forget_matches_plain(F.gaussian, (m, v))
    assert numpy.isfinite(plain[0]).all()


def test_forget_replays_the_same_noise():
    rng = numpy.random.default_rng(4)
    m = rechain.Variable(rng.normal(size=(4,)))
    v = rechain.Variable(rng.normal(size=(4,)))
    rechain.random.seed(5)
    y = F.forget(lambda m, v: F.gaussian(m, v) * 2.0, m, v)
    y2 = None
    rechain.random.seed(5)
    y2 = F.gaussian(m.array, v.array).array * 2.0
    numpy.testing.assert_array_equal(y.array, y2)
    F.sum(y * y).backward()
    assert numpy.isfinite(v.grad).all()


def test_bad_input():
    a = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"gaussian: mean and ln_var must have the "
                                                   r"same shape, got \(2, 3\) and \(3,\)"):
        F.gaussian(a, a[0])
    with pytest.raises(rechain.InvalidType, match="gaussian: mean and ln_var must have the "
                                                   "same dtype, got float32 and float64"):
        F.gaussian(a, a.astype(numpy.float64))
    with pytest.raises(rechain.InvalidType, match=r"gaussian: eps must have mean's shape "
                                                   r"\(2, 3\), got \(3,\)"):
        F.gaussian(a, a, eps=a[0])

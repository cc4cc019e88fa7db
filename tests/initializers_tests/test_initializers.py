import math

import numpy
import pytest

import rechain
from rechain import initializers as I


def _gen(init, shape, dtype=None):
    return I.generate_array(init, shape, numpy, dtype=dtype)


# -- generate_array and dtypes ---------------------------------------------------------

@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32, numpy.float64])
def test_generate_array_dtype_and_shape(dtype):
    a = _gen(I.Constant(2.5), (2, 3), dtype)
    assert a.shape == (2, 3) and a.dtype == dtype
    numpy.testing.assert_array_equal(a, numpy.full((2, 3), 2.5, dtype))


def test_generate_array_int_shape_and_default_dtype():
    a = _gen(I.Zero(), 4)
    assert a.shape == (4,) and a.dtype == numpy.float32
    with rechain.using_config("dtype", numpy.dtype(numpy.float64)):
        assert _gen(I.Zero(), 4).dtype == numpy.float64


def test_generate_array_uses_initializer_dtype():
    assert _gen(I.One(dtype=numpy.float64), (2,)).dtype == numpy.float64


def test_generate_array_dtype_conflict():
    with pytest.raises(ValueError, match="float32.*float64"):
        _gen(I.One(dtype=numpy.float64), (2,), numpy.float32)


# -- fans ------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,fans", [((4, 3), (3, 4)), ((16, 3, 5, 5), (75, 400)),
                                        ((2, 6, 3), (18, 6))])
def test_get_fans(shape, fans):
    assert I.get_fans(shape) == fans


def test_get_fans_needs_two_dims():
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*\(5,\)"):
        I.get_fans((5,))


@pytest.mark.parametrize("init", [I.LeCunNormal(), I.GlorotUniform(), I.HeNormal()])
def test_fan_initializers_reject_vectors(init):
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        _gen(init, (7,))


# -- random initializers: distribution --------------------------------------------------

SHAPE = (400, 50, 2, 2)   # fan_in = 200, fan_out = 1600, 80,000 draws
FAN_IN, FAN_OUT = 200, 1600


@pytest.mark.parametrize("init,std", [
    (I.Normal(0.3), 0.3),
    (I.LeCunNormal(2.0), 2.0 * math.sqrt(1.0 / FAN_IN)),
    (I.GlorotNormal(1.5), 1.5 * math.sqrt(2.0 / (FAN_IN + FAN_OUT))),
    (I.HeNormal(), math.sqrt(2.0 / FAN_IN)),
    (I.HeNormal(fan_option="fan_out"), math.sqrt(2.0 / FAN_OUT)),
])
def test_normal_initializers_std(init, std):
    a = _gen(init, SHAPE, numpy.float64)
    assert abs(a.mean()) < 0.02 * std
    assert a.std() == pytest.approx(std, rel=0.02)
    # tails of a normal, not of a uniform: some values beyond 2 sigma
    assert 0.03 < numpy.mean(numpy.abs(a) > 2 * std) < 0.07


@pytest.mark.parametrize("init,bound", [
    (I.Uniform(0.2), 0.2),
    (I.LeCunUniform(), math.sqrt(3.0 / FAN_IN)),
    (I.GlorotUniform(2.0), 2.0 * math.sqrt(6.0 / (FAN_IN + FAN_OUT))),
    (I.HeUniform(), math.sqrt(6.0 / FAN_IN)),
])
def test_uniform_initializers_bounds(init, bound):
    a = _gen(init, SHAPE, numpy.float64)
    assert numpy.abs(a).max() <= bound
    assert numpy.abs(a).max() > 0.99 * bound
    assert a.std() == pytest.approx(bound / math.sqrt(3.0), rel=0.02)


def test_he_normal_bad_fan_option():
    with pytest.raises(ValueError, match="fan_option.*'fan_avg'"):
        I.HeNormal(fan_option="fan_avg")


@pytest.mark.parametrize("dtype", [numpy.float16, numpy.float32])
def test_random_initializers_keep_dtype(dtype):
    assert _gen(I.HeNormal(), (3, 4), dtype).dtype == dtype
    assert _gen(I.GlorotUniform(), (3, 4), dtype).dtype == dtype


def test_random_initializers_reject_int_arrays():
    with pytest.raises(TypeError, match="HeNormal.*int32"):
        I.HeNormal()(numpy.zeros((2, 2), numpy.int32))


def test_framework_seed_makes_draws_reproducible():
    rechain.random.seed(7)
    a = _gen(I.Normal(), (3, 4))
    b = _gen(I.Normal(), (3, 4))
    rechain.random.seed(7)
    numpy.testing.assert_array_equal(_gen(I.Normal(), (3, 4)), a)
    assert not numpy.array_equal(a, b)


def test_explicit_rng():
    a = _gen(I.Normal(1.0, rng=numpy.random.default_rng(3)), (5,), numpy.float64)
    b = numpy.random.default_rng(3).standard_normal(5)
    numpy.testing.assert_allclose(a, b)
    u = _gen(I.Uniform(1.0, rng=numpy.random.RandomState(1)), (5,), numpy.float64)
    numpy.testing.assert_allclose(u, numpy.random.RandomState(1).random_sample(5) * 2 - 1)


def test_empty_arrays():
    assert _gen(I.HeNormal(), (0, 3)).shape == (0, 3)
    assert _gen(I.Orthogonal(), (0, 3)).shape == (0, 3)


# -- deterministic initializers -------------------------------------------------------

def test_zero_one_nan():
    numpy.testing.assert_array_equal(_gen(I.Zero(), (2, 2)), numpy.zeros((2, 2)))
    numpy.testing.assert_array_equal(_gen(I.One(), (3,)), numpy.ones(3))
    assert numpy.isnan(_gen(I.NaN(), (2, 3))).all()
    with pytest.raises(TypeError, match="NaN.*int64"):
        I.NaN()(numpy.zeros(2, numpy.int64))


def test_constant_array_broadcasts():
    a = _gen(I.Constant(numpy.array([1.0, 2.0, 3.0])), (2, 3))
    numpy.testing.assert_array_equal(a, [[1, 2, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 3\)"):
        _gen(I.Constant(numpy.ones(4)), (2, 3))


def test_identity():
    numpy.testing.assert_array_equal(_gen(I.Identity(2.0), (3, 3)), 2 * numpy.eye(3))
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
        _gen(I.Identity(), (2, 3))


@pytest.mark.parametrize("shape", [(4, 6), (6, 4), (3, 2, 2, 2)])
def test_orthogonal(shape):
    a = _gen(I.Orthogonal(scale=2.0), shape, numpy.float64)
    m = a.reshape(shape[0], -1)
    small = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    numpy.testing.assert_allclose(small, 4.0 * numpy.eye(small.shape[0]), atol=1e-10)


# -- link helpers and Parameter integration -------------------------------------------

def test_get_initializer():
    assert isinstance(I._get_initializer(None), I.LeCunNormal)
    assert isinstance(I._get_initializer(None, default=I.Zero()), I.Zero)
    c = I._get_initializer(0.5)
    assert isinstance(c, I.Constant) and c.fill_value == 0.5
    assert isinstance(I._get_initializer(numpy.ones(3)), I.Constant)
    h = I.HeNormal()
    assert I._get_initializer(h) is h
    with pytest.raises(TypeError, match="initializer.*str"):
        I._get_initializer("he")


def test_parameter_uses_initializers():
    p = rechain.Parameter()
    assert not p.is_initialized
    p.initialize((2, 3))
    assert numpy.isnan(p.array).all() and p.dtype == numpy.float32
    q = rechain.Parameter(3.0, (2,))
    numpy.testing.assert_array_equal(q.array, [3.0, 3.0])
    r = rechain.Parameter(I.Normal(dtype=numpy.float64), (4, 2))
    assert r.dtype == numpy.float64


def test_repr():
    assert repr(I.HeNormal(scale=2.0)).startswith("HeNormal(")
    assert "scale=2.0" in repr(I.HeNormal(scale=2.0))
    assert repr(I.Zero()) == "Zero()"

import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), numpy.float64), ((3,), numpy.float64), ((2, 3), numpy.float32),
         ((2, 3), numpy.float16), ((2, 3), "float64")]


@pytest.mark.parametrize("shape,typ", CASES)
def test_forward(shape, typ, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.cast(x, typ)
    assert y.dtype == numpy.dtype(typ)
    numpy.testing.assert_array_equal(y.array, x.astype(typ))


@pytest.mark.parametrize("shape,typ", [c for c in CASES if c[1] != numpy.float16])
def test_grads(shape, typ, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.cast(x, typ), x)


@pytest.mark.parametrize("typ", [numpy.float16, numpy.float32, numpy.float64])
def test_gradient_has_input_dtype(typ, dtype, rng):
    x = rechain.Variable(rng.standard_normal((2, 3)).astype(dtype))
    y = F.cast(x, typ)
    F.sum(y * y).backward()
    assert x.grad.dtype == dtype
    numpy.testing.assert_allclose(x.grad, 2 * x.array.astype(typ), rtol=1e-2)


def test_round_trip_32_64_32(rng):
    a = rng.standard_normal((2, 3)).astype(numpy.float32)
    x = rechain.Variable(a)
    h = F.cast(x, numpy.float64)
    assert h.dtype == numpy.float64
    y = F.cast(h * 3.0, numpy.float32)
    assert y.dtype == numpy.float32
    gx, = rechain.grad([F.sum(y * y)], [x], enable_double_backprop=True)
    assert gx.dtype == numpy.float32
    numpy.testing.assert_allclose(gx.array, 18 * a, rtol=1e-6)
    ggx, = rechain.grad([F.sum(gx)], [x])
    assert ggx.dtype == numpy.float32
    numpy.testing.assert_allclose(ggx.array, numpy.full_like(a, 18), rtol=1e-6)


def test_same_dtype():
    x = rechain.Variable(numpy.ones(2, numpy.float32))
    y = F.cast(x, numpy.float32)
    assert y is not x and y.creator is not None
    with rechain.no_backprop_mode():
        assert F.cast(x, numpy.float32).array is x.array


def test_integer_input_gets_no_gradient():
    i = rechain.Variable(numpy.array([1, 2], numpy.int32))
    y = F.cast(i, numpy.float32)
    F.sum(y).backward()
    assert i.grad is None


@pytest.mark.parametrize("typ", ["not_a_dtype", 3.5, [1, 2], None])
def test_non_dtype(typ):
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(TypeError, match=r"cast: typ must be a dtype.*\(x shape \(2, 3\), "
                                        r"dtype float32\)"):
        F.cast(x, typ)

"""cumsum and fmod."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((), None), ((), 0), ((5,), None), ((5,), 0),
                                        ((2, 3), None), ((2, 3), 0), ((2, 3), -1),
                                        ((2, 3, 4), 1)])
class TestCumsum:
    def test_forward(self, rng, shape, axis, dtype):
        x = numpy.asarray(rng.normal(size=shape)).astype(dtype)
        y = F.cumsum(x, axis=axis)
        expected = numpy.cumsum(x.astype(numpy.float64), axis=axis)
        assert y.dtype == dtype and y.shape == expected.shape
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-6)

    def test_grads(self, rng, grads, shape, axis, dtype):
        grads(lambda v: F.cumsum(v, axis=axis), (rng.normal(size=shape),), dtype)


def test_cumsum_gradient_is_reverse_cumsum():
    x = Variable(numpy.zeros((2, 3), numpy.float32))
    y = F.cumsum(x, axis=1)
    y.grad = numpy.array([[1, 2, 3], [4, 5, 6]], numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[6, 5, 3], [15, 11, 6]])


def test_cumsum_axis_out_of_range():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "cumsum: axis=2 is out of range for an input with 2 dimensions (x shape (2, 3))")):
        F.cumsum(numpy.ones((2, 3), numpy.float32), axis=2)


def test_cumsum_integer():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "cumsum: x must have a floating-point dtype, got int64 (shape (3,))")):
        F.cumsum(numpy.arange(3, dtype=numpy.int64))


# -- fmod ------------------------------------------------------------------------------------

def _fmod_inputs(rng, sx, sd, dtype):
    """Dividends away from the jumps of fmod (multiples of the divisor)."""
    d = numpy.asarray(rng.uniform(0.7, 1.3, size=sd) * rng.choice([-1, 1], size=sd))
    q = numpy.asarray(rng.integers(-3, 4, size=sx) + rng.uniform(0.2, 0.8, size=sx))
    x = q * numpy.broadcast_to(d, numpy.broadcast_shapes(sx, sd)).copy()
    if x.shape != sx:  # a broadcast dividend: keep it away from all jumps it meets
        x = numpy.asarray(rng.uniform(0.2, 0.6, size=sx))
        d = numpy.asarray(rng.uniform(0.7, 1.3, size=sd))
    return numpy.asarray(x).astype(dtype), numpy.asarray(d).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sx,sd", [((), ()), ((5,), (5,)), ((2, 3), (3,)), ((3,), (2, 3))])
class TestFmod:
    def test_forward(self, rng, sx, sd, dtype):
        x, d = _fmod_inputs(rng, sx, sd, dtype)
        y = F.fmod(x, d)
        assert y.dtype == dtype
        numpy.testing.assert_allclose(y.array, numpy.fmod(x, d), rtol=1e-6)

    def test_grads(self, rng, grads, sx, sd, dtype):
        grads(F.fmod, _fmod_inputs(rng, sx, sd, dtype), dtype)


def test_fmod_gradient_values():
    x = Variable(numpy.array([-7.0, 7.5], numpy.float64))
    d = Variable(numpy.array([3.0, 2.0], numpy.float64))
    F.sum(F.fmod(x, d)).backward()
    numpy.testing.assert_array_equal(x.grad, [1.0, 1.0])
    numpy.testing.assert_array_equal(d.grad, [2.0, -3.0])


def test_fmod_shape_mismatch():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "fmod: shapes cannot be broadcast together: x (2, 3), divisor (2,)")):
        F.fmod(numpy.ones((2, 3), numpy.float32), numpy.ones((2,), numpy.float32))


def test_fmod_dtype_mismatch():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "fmod: x and divisor must have the same dtype, got x float64 (2,) and "
            "divisor float32 (2,)")):
        F.fmod(numpy.ones((2,), numpy.float64), numpy.ones((2,), numpy.float32))

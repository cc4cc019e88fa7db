import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), (), ()), ((3,), (3,), (3,)), ((2, 3), (2, 3), (2, 3)),
         ((2, 3), (3,), (2, 1)), ((3,), (2, 3), ()), ((2, 1), (1, 3), (2, 3))]


def _inputs(cs, xs, ys, dtype, rng):
    c = rng.standard_normal(cs) > 0
    return c, rng.standard_normal(xs).astype(dtype), rng.standard_normal(ys).astype(dtype)


@pytest.mark.parametrize("cs,xs,ys", CASES)
def test_forward(cs, xs, ys, dtype, rng):
    c, x, y = _inputs(cs, xs, ys, dtype, rng)
    z = F.where(c, x, y)
    assert z.dtype == dtype
    numpy.testing.assert_array_equal(z.array, numpy.where(c, x, y))


@pytest.mark.parametrize("cs,xs,ys", CASES)
def test_grads(cs, xs, ys, dtype, rng, check_grads):
    c, x, y = _inputs(cs, xs, ys, dtype, rng)
    check_grads(lambda x, y: F.where(c, x, y), (x, y))


def test_condition_as_variable_and_gradient_values():
    c = rechain.Variable(numpy.array([True, False, True]))
    x = rechain.Variable(numpy.array([1.0, 2.0, 3.0]))
    y = rechain.Variable(numpy.array([4.0, 5.0, 6.0]))
    z = F.where(c, x, y)
    F.sum(z * numpy.array([1.0, 2.0, 3.0])).backward()
    numpy.testing.assert_array_equal(x.grad, [1, 0, 3])
    numpy.testing.assert_array_equal(y.grad, [0, 2, 0])
    assert c.grad is None


def test_condition_from_comparison():
    x = rechain.Variable(numpy.array([-1.0, 2.0], numpy.float32))
    z = F.where(x.array > 0, x, numpy.zeros(2, numpy.float32))
    numpy.testing.assert_array_equal(z.array, [0, 2])


def test_scalar_operand(dtype):
    x = rechain.Variable(numpy.array([1.0, -2.0], dtype))
    z = F.where(x.array > 0, x, 0.0)
    assert z.dtype == dtype
    numpy.testing.assert_array_equal(z.array, [1, 0])


def test_unbroadcastable_shapes():
    with pytest.raises(rechain.InvalidType,
                       match=r"where: shapes cannot be broadcast together: condition "
                             r"\(2, 3\), x \(2, 3\), y \(4,\)"):
        F.where(numpy.zeros((2, 3), bool), numpy.zeros((2, 3)), numpy.zeros(4))


def test_bad_condition_and_dtypes():
    with pytest.raises(rechain.InvalidType, match=r"where: condition must have a boolean "
                                                  r"dtype, got float32 \(shape \(2,\)\)"):
        F.where(numpy.zeros(2, numpy.float32), numpy.zeros(2), numpy.zeros(2))
    with pytest.raises(rechain.InvalidType, match=r"where: x and y must have the same "
                                                  r"dtype, got x float32 \(2,\) and y "
                                                  r"float64 \(2,\)"):
        F.where(numpy.zeros(2, bool), numpy.zeros(2, numpy.float32), numpy.zeros(2))
    with pytest.raises(TypeError, match="where: condition must be a boolean Variable"):
        F.where([True], numpy.zeros(1), numpy.zeros(1))

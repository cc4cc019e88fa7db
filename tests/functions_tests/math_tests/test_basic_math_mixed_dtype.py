"""Variable <op> ndarray of another dtype: the array is cast to the Variable's dtype (Chainer)."""

import operator

import numpy
import pytest

import rechain
from rechain import Variable

OPS = [(operator.add, "add"), (operator.sub, "sub"), (operator.mul, "mul"),
       (operator.truediv, "div"), (operator.pow, "pow")]


def _x(dtype):
    return Variable(numpy.array([[0.5, 1.5, 2.0], [1.25, 0.75, 3.0]], dtype))


@pytest.mark.parametrize("op,name", OPS)
@pytest.mark.parametrize("vdtype,adtype", [(numpy.float32, numpy.float64),
                                           (numpy.float64, numpy.float32),
                                           (numpy.float16, numpy.float32),
                                           (numpy.float32, numpy.int64),
                                           (numpy.float32, numpy.bool_)])
@pytest.mark.parametrize("side", ["right", "left"])
def test_array_operand_is_cast_to_variable_dtype(op, name, vdtype, adtype, side):
    x = _x(vdtype)
    a = numpy.array([[1.1, 2.3, 1.7], [3.0, 1.9, 1.6]]).astype(adtype)
    y = op(x, a) if side == "right" else op(a, x)
    assert isinstance(y, Variable)
    assert y.dtype == vdtype
    ac = a.astype(vdtype)
    expected = op(x.array, ac) if side == "right" else op(ac, x.array)
    numpy.testing.assert_array_equal(y.array, expected)
    rechain.functions.sum(y).backward()
    assert x.grad.dtype == vdtype and x.grad.shape == x.shape


@pytest.mark.parametrize("side", ["right", "left"])
def test_broadcast_array_of_other_dtype(side):
    x = _x(numpy.float32)
    a = numpy.array([1.0, 2.0, 4.0], numpy.float64)
    y = x * a if side == "right" else a * x
    assert y.dtype == numpy.float32 and y.shape == (2, 3)
    y.grad = numpy.ones((2, 3), numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.broadcast_to(a.astype(numpy.float32), (2, 3)))


def test_zero_dim_array_operand_is_cast():
    x = _x(numpy.float32)
    y = x + numpy.array(1.5, numpy.float64)
    assert y.dtype == numpy.float32
    numpy.testing.assert_array_equal(y.array, x.array + numpy.float32(1.5))


@pytest.mark.parametrize("side", ["right", "left"])
def test_matmul_array_operand_is_cast(side):
    x = Variable(numpy.ones((2, 2), numpy.float32))
    a = numpy.arange(4.0).reshape(2, 2)  # float64
    y = x @ a if side == "right" else a @ x
    assert y.dtype == numpy.float32
    ac = a.astype(numpy.float32)
    numpy.testing.assert_array_equal(y.array, x.array @ ac if side == "right" else ac @ x.array)


def test_same_dtype_array_is_not_copied():
    x = _x(numpy.float32)
    a = numpy.ones((2, 3), numpy.float32)
    y = x * a
    # Mul retains its inputs: the constant it holds is the caller's array itself.
    assert any(v.array is a for v in y.creator.get_retained_inputs())


@pytest.mark.parametrize("op,name", OPS)
def test_variable_of_other_dtype_still_raises(op, name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: .*float32.*float64"):
        op(_x(numpy.float32), _x(numpy.float64))


def test_non_array_operand_still_raises():
    with pytest.raises(TypeError, match=r"add: unsupported right operand of type dict"):
        _x(numpy.float32) + {}

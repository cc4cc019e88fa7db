"""Operators of Variable: + - * / ** @, unary -, +, abs, comparisons."""

import operator

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

# Shape pairs that broadcast against each other, 0-d included.
SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
]

# name -> (operator, how to draw a, how to draw b)
BINARY = {
    "add": (operator.add, "any", "any"),
    "sub": (operator.sub, "any", "any"),
    "mul": (operator.mul, "any", "any"),
    "div": (operator.truediv, "any", "away0"),
    "pow": (operator.pow, "pos", "any"),
}


def _draw(rng, shape, kind, dtype):
    if kind == "pos":
        x = rng.uniform(0.5, 2.0, size=shape)
    elif kind == "away0":
        x = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
    else:
        x = rng.uniform(-1.0, 1.0, size=shape)
    return numpy.asarray(x).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
@pytest.mark.parametrize("name", sorted(BINARY))
class TestBinaryVariables:
    def _inputs(self, rng, name, shapes, dtype):
        op, ka, kb = BINARY[name]
        return op, _draw(rng, shapes[0], ka, dtype), _draw(rng, shapes[1], kb, dtype)

    def test_forward(self, rng, name, shapes, dtype):
        op, a, b = self._inputs(rng, name, shapes, dtype)
        y = op(Variable(a), Variable(b))
        expected = op(a, b)
        assert isinstance(y, Variable)
        assert y.dtype == dtype
        assert y.shape == numpy.broadcast_shapes(a.shape, b.shape)
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-6)

    def test_grads(self, rng, grads, name, shapes, dtype):
        op, a, b = self._inputs(rng, name, shapes, dtype)
        grads(op, (a, b), dtype)


def test_binary_gradient_values_with_broadcasting():
    a = Variable(numpy.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], numpy.float32))
    b = Variable(numpy.array([10.0, 20.0, 30.0], numpy.float32))
    y = F.sum(a * b)
    y.backward()
    numpy.testing.assert_array_equal(a.grad, numpy.broadcast_to(b.array, (2, 3)))
    numpy.testing.assert_array_equal(b.grad, [5.0, 7.0, 9.0])
    assert a.grad.dtype == numpy.float32 and b.grad.dtype == numpy.float32


# -- scalar operands ---------------------------------------------------------------

SCALARS = [2.0, 3, numpy.float64(2.0), numpy.float32(2.5), numpy.int64(3)]

# name -> (function of (x, c), its NumPy reference on (a, c), input kind)
WITH_SCALAR = {
    "x+c": (lambda x, c: x + c, lambda a, c: a + c, "any"),
    "c+x": (lambda x, c: c + x, lambda a, c: c + a, "any"),
    "x-c": (lambda x, c: x - c, lambda a, c: a - c, "any"),
    "c-x": (lambda x, c: c - x, lambda a, c: c - a, "any"),
    "x*c": (lambda x, c: x * c, lambda a, c: a * c, "any"),
    "c*x": (lambda x, c: c * x, lambda a, c: c * a, "any"),
    "x/c": (lambda x, c: x / c, lambda a, c: a / c, "any"),
    "c/x": (lambda x, c: c / x, lambda a, c: c / a, "away0"),
    "x**c": (lambda x, c: x ** c, lambda a, c: a ** c, "pos"),
    "c**x": (lambda x, c: c ** x, lambda a, c: c ** a, "any"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c", SCALARS, ids=lambda c: f"{type(c).__name__}({c})")
@pytest.mark.parametrize("name", sorted(WITH_SCALAR))
def test_scalar_operand_keeps_dtype_and_value(rng, name, c, dtype):
    f, ref, kind = WITH_SCALAR[name]
    a = _draw(rng, (2, 3), kind, dtype)
    y = f(Variable(a), c)
    assert y.dtype == dtype, f"{name} with {type(c).__name__} promoted {dtype} to {y.dtype}"
    expected = ref(a.astype(numpy.float64), float(c))
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-5 if dtype == numpy.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
@pytest.mark.parametrize("name", sorted(WITH_SCALAR))
def test_scalar_operand_grads(rng, grads, name, shape, dtype):
    f, _, kind = WITH_SCALAR[name]
    a = _draw(rng, shape, kind, dtype)
    grads(lambda x: f(x, 2.5), (a,), dtype)


@pytest.mark.parametrize("p", [2, 3, 0.5, -1.5, 1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_power_constant_exponent(rng, grads, p, dtype):
    a = _draw(rng, (2, 3), "pos", dtype)
    y = Variable(a) ** p
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, a.astype(numpy.float64) ** p, rtol=1e-5)
    grads(lambda x: x ** p, (a,), dtype)


def test_square_of_float32_stays_float32_with_gradient():
    x = Variable(numpy.array([1.0, -2.0, 3.0], numpy.float32))
    y = x ** 2
    assert y.dtype == numpy.float32
    F.sum(y).backward()
    assert x.grad.dtype == numpy.float32
    numpy.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])


@pytest.mark.parametrize("c", [numpy.float64(2.0), numpy.float32(2.0), 2.0, 2])
def test_numpy_scalar_times_float32_is_float32(c):
    x = Variable(numpy.ones((2, 2), numpy.float32))
    for y in (c * x, x * c, c + x, x - c, c / x, x / c):
        assert y.dtype == numpy.float32


def test_constant_base_must_be_positive():
    x = Variable(numpy.ones((2,), numpy.float32))
    with pytest.raises(ValueError, match=r"pow: .*positive.*-2"):
        (-2.0) ** x


# -- ndarray operands -----------------------------------------------------------------

ARRAY_OPS = {
    "a+x": lambda a, x: a + x, "x+a": lambda a, x: x + a,
    "a-x": lambda a, x: a - x, "x-a": lambda a, x: x - a,
    "a*x": lambda a, x: a * x, "x*a": lambda a, x: x * a,
    "a/x": lambda a, x: a / x, "x/a": lambda a, x: x / a,
    "x**a": lambda a, x: x ** a,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(ARRAY_OPS))
def test_ndarray_operand_is_a_constant(rng, name, dtype):
    f = ARRAY_OPS[name]
    a = _draw(rng, (3,), "away0", dtype)        # broadcast against (2, 3)
    xa = _draw(rng, (2, 3), "pos", dtype)
    x = Variable(xa)
    y = f(a, x)
    assert isinstance(y, Variable) and y.dtype == dtype and y.shape == (2, 3)
    numpy.testing.assert_allclose(y.array, f(a, xa), rtol=1e-6)
    F.sum(y).backward()
    assert x.grad.shape == (2, 3)
    # The numerical derivative w.r.t. x only (a is a constant of the graph).
    # (a is passed as a non-differentiated input so that the numerical side
    # casts it to float64 together with x).
    rechain.gradient_check.check_backward(lambda c, v: F.sum(f(c.array, v)), (a, xa), None,
                                          no_grads=[True, False], atol=1e-2, rtol=1e-2)


# -- unary ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (4,), (2, 3)])
@pytest.mark.parametrize("name", ["neg", "abs", "pos"])
def test_unary(rng, grads, name, shape, dtype):
    f, ref = {"neg": (operator.neg, numpy.negative), "abs": (abs, numpy.abs),
              "pos": (operator.pos, lambda a: a)}[name]
    a = _draw(rng, shape, "away0", dtype)  # abs is not differentiable at 0
    y = f(Variable(a))
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_array_equal(y.array, ref(a))
    grads(f, (a,), dtype)


def test_absolute_function_and_gradient_sign():
    x = Variable(numpy.array([-2.0, 3.0], numpy.float64))
    y = F.absolute(x)
    numpy.testing.assert_array_equal(y.array, [2.0, 3.0])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [-1.0, 1.0])


# -- matmul operator ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_operator(rng, dtype):
    a = _draw(rng, (2, 3), "any", dtype)
    b = _draw(rng, (3, 4), "any", dtype)
    va, vb = Variable(a), Variable(b)
    for y in (va @ vb, a @ vb, va @ b):
        assert isinstance(y, Variable) and y.dtype == dtype
        numpy.testing.assert_allclose(y.array, a @ b, rtol=1e-5)
    F.sum(a @ vb).backward()
    numpy.testing.assert_allclose(vb.grad, numpy.broadcast_to(a.sum(0)[:, None], (3, 4)),
                                  rtol=1e-5)
    assert va.grad is None


# -- comparisons ------------------------------------------------------------------------

COMPARISONS = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", COMPARISONS, ids=lambda o: o.__name__)
@pytest.mark.parametrize("other_kind", ["variable", "array", "scalar", "numpy_scalar"])
def test_comparison_returns_constant_bool(op, other_kind):
    a = numpy.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], numpy.float32)
    b = numpy.array([2.0, 2.0, 2.0], numpy.float32)
    other = {"variable": Variable(b), "array": b, "scalar": 2.0,
             "numpy_scalar": numpy.float64(2.0)}[other_kind]
    x = Variable(a)
    y = op(x, other)
    assert isinstance(y, Variable)
    assert y.dtype == numpy.bool_
    assert not y.requires_grad and y.creator is None
    numpy.testing.assert_array_equal(y.array, op(a, b))


def test_comparison_with_unsupported_type_is_not_implemented():
    x = Variable(numpy.ones((2,), numpy.float32))
    assert (x == "a") is False
    with pytest.raises(TypeError):
        x < "a"


# -- gradients accumulate, 0-d ---------------------------------------------------------

def test_variable_used_twice_accumulates():
    x = Variable(numpy.array([1.0, 2.0], numpy.float64))
    F.sum(x * x + x).backward()
    numpy.testing.assert_array_equal(x.grad, [3.0, 5.0])


def test_zero_dim_arithmetic():
    x = Variable(numpy.array(3.0, numpy.float32))
    y = (x * 2.0 - 1.0) / x + x ** 2
    assert y.shape == () and y.dtype == numpy.float32
    y.backward()
    # d/dx (2 - 1/x + x^2) = 1/x^2 + 2x
    numpy.testing.assert_allclose(x.grad, 1 / 9 + 6, rtol=1e-6)


# -- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("op,fname", [(operator.add, "add"), (operator.sub, "sub"),
                                      (operator.mul, "mul"), (operator.truediv, "div"),
                                      (operator.pow, "pow")])
def test_dtype_mismatch_names_both_dtypes(op, fname):
    a = Variable(numpy.ones((2, 3), numpy.float32))
    b = Variable(numpy.ones((2, 3), numpy.float64))
    with pytest.raises(rechain.InvalidType,
                       match=rf"{fname}: .*float32 \(2, 3\).*float64 \(2, 3\)"):
        op(a, b)


@pytest.mark.parametrize("op,fname", [(operator.add, "add"), (operator.sub, "sub"),
                                      (operator.mul, "mul"), (operator.truediv, "div")])
def test_broadcast_failure_names_shapes(op, fname):
    a = Variable(numpy.ones((2, 3), numpy.float32))
    b = Variable(numpy.ones((4,), numpy.float32))
    with pytest.raises(rechain.InvalidType, match=rf"{fname}: .*\(2, 3\).*\(4,\)"):
        op(a, b)


def test_unsupported_operand_type_names_function_and_type():
    x = Variable(numpy.ones((2,), numpy.float32))
    with pytest.raises(TypeError, match=r"mul: unsupported right operand of type list"):
        x * [1, 2]


@pytest.mark.parametrize("f", [lambda x: x + x, lambda x: x * 2.0, F.exp, F.sum, F.sqrt,
                               lambda x: F.max(x), lambda x: F.fmod(x, x)],
                         ids=["add", "mul_const", "exp", "sum", "sqrt", "max", "fmod"])
def test_zero_dim_output_is_an_ndarray(f):
    y = f(Variable(numpy.array(2.0, numpy.float32)))
    assert isinstance(y.array, numpy.ndarray)


def test_floordiv_is_floor_of_the_quotient():
    a = numpy.array([[7.0, -7.0, 2.5]], numpy.float32)
    b = numpy.array([[2.0, 2.0, -0.5]], numpy.float32)
    va, vb = Variable(a), Variable(b)
    numpy.testing.assert_array_equal((va // vb).array, a // b)
    numpy.testing.assert_array_equal((va // 2).array, a // 2)
    numpy.testing.assert_array_equal((10.0 // vb).array, 10.0 // b)
    # F.floor builds no graph (as Chainer's): the result is a constant
    assert not (va // vb).requires_grad

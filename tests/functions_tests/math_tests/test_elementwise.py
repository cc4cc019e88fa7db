"""Elementwise functions of one input: exp/log family, sqrt, rsqrt, square, sin, cos, tan."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]
SHAPES = [(), (5,), (2, 3)]

# name -> (NumPy reference, domain (low, high) of the test inputs)
OPS = {
    "exp": (numpy.exp, (-2.0, 2.0)),
    "expm1": (numpy.expm1, (-2.0, 2.0)),
    "log": (numpy.log, (0.5, 3.0)),
    "log1p": (numpy.log1p, (-0.5, 2.0)),
    "log2": (numpy.log2, (0.5, 3.0)),
    "log10": (numpy.log10, (0.5, 3.0)),
    "sqrt": (numpy.sqrt, (0.5, 3.0)),
    "rsqrt": (lambda a: 1.0 / numpy.sqrt(a), (0.5, 3.0)),
    "square": (numpy.square, (-2.0, 2.0)),
    "sin": (numpy.sin, (-3.0, 3.0)),
    "cos": (numpy.cos, (-3.0, 3.0)),
    "tan": (numpy.tan, (-1.2, 1.2)),
}

# Analytic first derivatives, to check backward against a formula as well.
DERIVATIVES = {
    "exp": numpy.exp,
    "expm1": numpy.exp,
    "log": lambda a: 1 / a,
    "log1p": lambda a: 1 / (1 + a),
    "log2": lambda a: 1 / (a * numpy.log(2)),
    "log10": lambda a: 1 / (a * numpy.log(10)),
    "sqrt": lambda a: 0.5 / numpy.sqrt(a),
    "rsqrt": lambda a: -0.5 * a ** -1.5,
    "square": lambda a: 2 * a,
    "sin": numpy.cos,
    "cos": lambda a: -numpy.sin(a),
    "tan": lambda a: 1 / numpy.cos(a) ** 2,
}


def _draw(rng, name, shape, dtype):
    lo, hi = OPS[name][1]
    return numpy.asarray(rng.uniform(lo, hi, size=shape)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(OPS))
class TestElementwise:
    def test_forward(self, rng, name, shape, dtype):
        x = _draw(rng, name, shape, dtype)
        y = getattr(F, name)(x)
        assert isinstance(y, Variable)
        assert y.shape == shape and y.dtype == dtype
        expected = OPS[name][0](x.astype(numpy.float64))
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-6 if dtype == numpy.float32
                                      else 1e-12)

    def test_backward_matches_formula(self, rng, name, shape, dtype):
        x = Variable(_draw(rng, name, shape, dtype))
        y = getattr(F, name)(x)
        y.grad = numpy.ones(shape, dtype)
        y.backward()
        assert x.grad.dtype == dtype
        expected = DERIVATIVES[name](x.array.astype(numpy.float64))
        numpy.testing.assert_allclose(x.grad, expected, rtol=1e-5)

    def test_grads(self, rng, grads, name, shape, dtype):
        grads(getattr(F, name), (_draw(rng, name, shape, dtype),), dtype)


SECOND_DERIVATIVES = {
    "exp": numpy.exp,
    "log": lambda a: -1 / a ** 2,
    "sqrt": lambda a: -0.25 * a ** -1.5,
    "rsqrt": lambda a: 0.75 * a ** -2.5,
    "sin": lambda a: -numpy.sin(a),
    "cos": lambda a: -numpy.cos(a),
    "tan": lambda a: 2 * numpy.tan(a) / numpy.cos(a) ** 2,
}


@pytest.mark.parametrize("name", sorted(SECOND_DERIVATIVES))
def test_second_derivative_matches_formula(name):
    x = Variable(numpy.array([0.6, 1.1], numpy.float64))
    gx, = rechain.grad([F.sum(getattr(F, name)(x))], [x], enable_double_backprop=True)
    ggx, = rechain.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, SECOND_DERIVATIVES[name](x.array), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
def test_integer_input_is_rejected(name):
    x = numpy.arange(1, 4, dtype=numpy.int32).reshape(1, 3)
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"{name}: x must have a floating-point dtype, got int32 (shape (1, 3))")):
        getattr(F, name)(x)


@pytest.mark.parametrize("name", ["exp", "log", "sin"])
def test_type_check_can_be_disabled(name):
    x = numpy.arange(1, 4, dtype=numpy.float32)
    with rechain.using_config("type_check", False):
        y = getattr(F, name)(x)
    assert y.dtype == numpy.float32


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(OPS))
def test_gpu_matches_cpu(rng, name):
    from rechain import backend
    x = _draw(rng, name, (2, 3), numpy.float32)
    cpu = Variable(x)
    gpu = Variable(backend.to_gpu(x))
    for v in (cpu, gpu):
        y = getattr(F, name)(v)
        y.grad = y.xp.ones_like(y.array)
        y.backward()
    numpy.testing.assert_allclose(backend.to_cpu(gpu.grad), cpu.grad, rtol=1e-5)

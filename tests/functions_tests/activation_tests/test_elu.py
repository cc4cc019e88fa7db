import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

SHAPES = [(), (3,), (2, 3)]
DTYPES = [numpy.float32, numpy.float64]
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805


def _elu_ref(x, a):
    return numpy.where(x > 0, x, a * numpy.expm1(numpy.minimum(x, 0)))


OPS = {
    "elu": (F.elu, lambda x: _elu_ref(x, 1.0)),
    "elu_alpha0.5": (lambda x: F.elu(x, alpha=0.5), lambda x: _elu_ref(x, 0.5)),
    "elu_alpha_neg": (lambda x: F.elu(x, alpha=-0.7), lambda x: _elu_ref(x, -0.7)),
    "selu": (F.selu, lambda x: SELU_S * _elu_ref(x, SELU_A)),
}


def _inputs(shape, dtype, seed=0):
    u = numpy.random.default_rng(seed).uniform(-2, 2, shape)
    return numpy.asarray(numpy.sign(u) * (0.1 + abs(u)), dtype=dtype)


def _lift0d(f, shape):
    """gradient_check cannot perturb 0-d inputs: check them as (1,) arrays."""
    if shape != ():
        return f, shape
    return (lambda x: F.reshape(f(F.reshape(x, ())), (1,))), (1,)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(name, shape, dtype):
    f, ref = OPS[name]
    x = _inputs(shape, dtype)
    y = f(x)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float64)), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(name, shape, dtype):
    f, shape = _lift0d(OPS[name][0], shape)
    x, gy, ggx = (_inputs(shape, dtype, s) for s in (1, 2, 3))
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, x, gy, **tol)
    gradient_check.check_double_backward(f, x, gy, ggx, **tol)


def test_elu_no_overflow_for_large_inputs():
    x = rechain.Variable(numpy.array([-1000.0, 1000.0], numpy.float32))
    y = F.elu(x)
    numpy.testing.assert_array_equal(y.array, [-1.0, 1000.0])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 1.0])


@pytest.mark.parametrize("name", ["elu", "selu"])
def test_integer_input_raises(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x must have a floating-point "
                                                   r"dtype, got int64 \(shape \(3,\)\)"):
        getattr(F, name)(numpy.zeros(3, numpy.int64))

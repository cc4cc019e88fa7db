import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

SHAPES = [(), (3,), (2, 3)]
DTYPES = [numpy.float32, numpy.float64]

OPS = {
    "sigmoid": (F.sigmoid, lambda x: 1 / (1 + numpy.exp(-x))),
    "tanh": (F.tanh, numpy.tanh),
    "hard_sigmoid": (F.hard_sigmoid, lambda x: numpy.clip(0.2 * x + 0.5, 0, 1)),
}


def _inputs(shape, dtype, seed=0):
    # Magnitudes up to 4 reach both flat parts of hard_sigmoid; points near its
    # kinks at +-2.5 are moved away.
    rng = numpy.random.default_rng(seed)
    x = rng.uniform(-4, 4, shape)
    x = numpy.where(abs(abs(x) - 2.5) < 0.2, x * 0.5, x)
    return numpy.asarray(x, dtype=dtype)


def _lift0d(f, shape):
    """gradient_check cannot perturb 0-d inputs: check them as (1,) arrays."""
    if shape != ():
        return f, shape
    return (lambda x: F.reshape(f(F.reshape(x, ())), (1,))), (1,)


def _tol(dtype):
    return {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(name, shape, dtype):
    f, ref = OPS[name]
    x = _inputs(shape, dtype)
    y = f(x)
    assert y.dtype == dtype and y.shape == shape
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float64)),
                                  rtol=1e-6 if dtype == numpy.float64 else 1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(name, shape, dtype):
    f, shape = _lift0d(OPS[name][0], shape)
    x, gy, ggx = (_inputs(shape, dtype, s) for s in (1, 2, 3))
    gradient_check.check_backward(f, x, gy, **_tol(dtype))
    gradient_check.check_double_backward(f, x, gy, ggx, **_tol(dtype))


def test_sigmoid_extreme_inputs_are_finite():
    x = numpy.array([-1000.0, 0.0, 1000.0], numpy.float32)
    y = F.sigmoid(x)
    numpy.testing.assert_array_equal(y.array, [0.0, 0.5, 1.0])


def test_sigmoid_tanh_gradient_values():
    x = rechain.Variable(numpy.array([0.0, 1.0]))
    F.sum(F.sigmoid(x)).backward()
    s = 1 / (1 + numpy.exp(-numpy.array([0.0, 1.0])))
    numpy.testing.assert_allclose(x.grad, s * (1 - s))
    x.cleargrad()
    F.sum(F.tanh(x)).backward()
    numpy.testing.assert_allclose(x.grad, 1 - numpy.tanh([0.0, 1.0]) ** 2)


def test_hard_sigmoid_gradient_values():
    x = rechain.Variable(numpy.array([-3.0, 0.0, 1.0, 3.0]))
    F.sum(F.hard_sigmoid(x)).backward()
    numpy.testing.assert_allclose(x.grad, [0.0, 0.2, 0.2, 0.0])


@pytest.mark.parametrize("name", sorted(OPS))
def test_integer_input_raises(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x must have a floating-point "
                                                   r"dtype, got int32 \(shape \(4,\)\)"):
        getattr(F, name)(numpy.zeros(4, numpy.int32))

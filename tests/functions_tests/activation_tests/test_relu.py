import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

SHAPES = [(), (3,), (2, 3)]
DTYPES = [numpy.float32, numpy.float64]

# name -> (function, NumPy reference)
OPS = {
    "relu": (F.relu, lambda x: numpy.maximum(x, 0)),
    "leaky_relu": (F.leaky_relu, lambda x: numpy.where(x > 0, x, 0.2 * x)),
    "leaky_relu_0.5": (lambda x: F.leaky_relu(x, slope=0.5),
                       lambda x: numpy.where(x > 0, x, 0.5 * x)),
    "leaky_relu_neg": (lambda x: F.leaky_relu(x, slope=-0.3),
                       lambda x: numpy.where(x > 0, x, -0.3 * x)),
}


def _away_from_zero(shape, dtype, seed=0):
    rng = numpy.random.default_rng(seed)
    u = rng.uniform(-1, 1, shape)
    return numpy.asarray(numpy.sign(u) * (0.2 + abs(u)), dtype=dtype)


def _lift0d(f, shape):
    """gradient_check cannot perturb 0-d inputs (it makes NumPy scalars of them):
    check 0-d cases through (1,)-shaped inputs and outputs."""
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
    x = _away_from_zero(shape, dtype)
    y = f(x)
    assert isinstance(y.array, numpy.ndarray)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float64)), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(name, shape, dtype):
    f, shape = _lift0d(OPS[name][0], shape)
    x = _away_from_zero(shape, dtype, 1)
    gy = _away_from_zero(shape, dtype, 2)
    ggx = _away_from_zero(shape, dtype, 3)
    gradient_check.check_backward(f, x, gy, **_tol(dtype))
    gradient_check.check_double_backward(f, x, gy, ggx, **_tol(dtype))


def test_relu_gradient_values():
    x = rechain.Variable(numpy.array([-2.0, -0.5, 0.5, 3.0]))
    y = F.relu(x)
    y.grad = numpy.array([1.0, 2.0, 3.0, 4.0])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0, 3.0, 4.0])


def test_relu_retains_output_only():
    x = rechain.Variable(numpy.ones(3, numpy.float32))
    y = F.relu(x)
    f = y.creator
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(f)]
    assert kinds == [("output", 0)]


def test_relu_grad_node_in_double_backprop():
    x = rechain.Variable(numpy.array([-1.0, 2.0]))
    y = F.relu(x)
    gx, = rechain.grad([y], [x], [rechain.Variable(numpy.ones(2))],
                       enable_double_backprop=True)
    assert type(gx.creator).__name__ == "ReLUGrad"


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_integer_input_raises(name):
    f = getattr(F, name)
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x must have a floating-point "
                                                   r"dtype, got int64 \(shape \(2, 3\)\)"):
        f(numpy.zeros((2, 3), numpy.int64))


@pytest.mark.gpu
def test_relu_gpu():
    cp = rechain.backend.cupy
    x = cp.asarray(_away_from_zero((2, 3), numpy.float32))
    y = F.relu(x)
    assert isinstance(y.array, cp.ndarray)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), numpy.maximum(cp.asnumpy(x), 0))

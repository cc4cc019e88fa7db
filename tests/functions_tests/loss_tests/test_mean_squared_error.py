import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

SHAPES = [(), (4,), (2, 3)]
DTYPES = [numpy.float32, numpy.float64]

OPS = {
    "mean_squared_error": (F.mean_squared_error, lambda a, b: ((a - b) ** 2).mean()),
    "mean_absolute_error": (F.mean_absolute_error, lambda a, b: abs(a - b).mean()),
}


def _inputs(shape, dtype, seed):
    rng = numpy.random.default_rng(seed)
    a = numpy.asarray(rng.normal(size=shape), dtype=dtype)
    # keep |a - b| away from 0, where mean_absolute_error is not differentiable
    d = rng.uniform(0.2, 1.0, shape) * rng.choice([-1, 1], shape)
    return a, numpy.asarray(a + d, dtype=dtype)


def _as_1d(f):
    # gradient_check cannot perturb 0-d arrays (the output gradient in double
    # backward): check the 0-d loss through a (1,) reshape.
    return lambda a, b: F.reshape(f(a, b), (1,))


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(name, shape, dtype):
    f, ref = OPS[name]
    a, b = _inputs(shape, dtype, 0)
    y = f(a, b)
    assert y.shape == () and y.dtype == dtype
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, ref(a.astype(numpy.float64), b.astype(numpy.float64)),
                                  rtol=1e-6)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape", [(1,), (4,), (2, 3)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(name, shape, dtype):
    f = _as_1d(OPS[name][0])
    a, b = _inputs(shape, dtype, 1)
    rng = numpy.random.default_rng(2)
    gy = rng.normal(size=(1,)).astype(dtype)
    gga, ggb = (rng.normal(size=shape).astype(dtype) for _ in range(2))
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, (a, b), gy, **tol)
    gradient_check.check_double_backward(f, (a, b), gy, (gga, ggb), **tol)


def test_mse_gradient_values():
    a = rechain.Variable(numpy.array([1.0, 2.0, 4.0]))
    b = rechain.Variable(numpy.array([0.0, 2.0, 1.0]))
    F.mean_squared_error(a, b).backward()
    numpy.testing.assert_allclose(a.grad, 2 * (a.array - b.array) / 3)
    numpy.testing.assert_allclose(b.grad, -2 * (a.array - b.array) / 3)


@pytest.mark.parametrize("name", sorted(OPS))
def test_shape_mismatch_names_both_shapes(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x0 and x1 must have the same shape, "
                                                   r"got x0 \(2, 3\) and x1 \(3, 2\)"):
        OPS[name][0](numpy.zeros((2, 3), numpy.float32), numpy.zeros((3, 2), numpy.float32))


@pytest.mark.parametrize("name", sorted(OPS))
def test_dtype_mismatch_raises(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x0 and x1 must have the same dtype, "
                                                   r"got float32 and float64"):
        OPS[name][0](numpy.zeros(3, numpy.float32), numpy.zeros(3, numpy.float64))


@pytest.mark.parametrize("name", sorted(OPS))
def test_integer_input_raises(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x1 must have a floating-point dtype, "
                                                   r"got int32 \(shape \(3,\)\)"):
        OPS[name][0](numpy.zeros(3, numpy.float32), numpy.zeros(3, numpy.int32))


def test_mae_float16_sums_without_overflow():
    # 16384 differences of 4: the float16 sum (65536) would overflow
    a = numpy.full((64, 1, 16, 16), 2, numpy.float16)
    y = F.mean_absolute_error(a, -a)
    assert y.dtype == numpy.float16 and float(y.array) == 4.0

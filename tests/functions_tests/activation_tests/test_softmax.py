import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

DTYPES = [numpy.float32, numpy.float64]
CASES = [((2, 3), 1), ((2, 3), 0), ((2, 3), -1), ((2, 3, 4), 1), ((2, 3, 4), 2), ((4,), 0)]


def _log_softmax_ref(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - numpy.log(numpy.exp(x - m).sum(axis=axis, keepdims=True))


OPS = {
    "softmax": (F.softmax, lambda x, a: numpy.exp(_log_softmax_ref(x, a))),
    "log_softmax": (F.log_softmax, _log_softmax_ref),
}


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_forward(name, shape, axis, dtype):
    f, ref = OPS[name]
    x = numpy.random.default_rng(0).normal(size=shape).astype(dtype)
    y = f(x, axis=axis)
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_allclose(y.array, ref(x.astype(numpy.float64), axis), rtol=1e-5,
                                  atol=1e-6)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_and_double_backward(name, shape, axis, dtype):
    f = OPS[name][0]
    rng = numpy.random.default_rng(1)
    x, gy, ggx = (rng.normal(size=shape).astype(dtype) for _ in range(3))
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(lambda v: f(v, axis=axis), x, gy, **tol)
    gradient_check.check_double_backward(lambda v: f(v, axis=axis), x, gy, ggx, **tol)


def test_default_axis_is_1():
    x = numpy.random.default_rng(2).normal(size=(2, 3, 4))
    numpy.testing.assert_allclose(F.softmax(x).array.sum(axis=1), numpy.ones((2, 4)))
    numpy.testing.assert_allclose(numpy.exp(F.log_softmax(x).array).sum(axis=1),
                                  numpy.ones((2, 4)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_inputs_stay_finite(dtype):
    x = numpy.array([[1000.0, 0.0, -1000.0], [1000.0, 1000.0, 1000.0]], dtype)
    ls = F.log_softmax(x)
    numpy.testing.assert_allclose(ls.array, [[0.0, -1000.0, -2000.0], [-numpy.log(3.0)] * 3],
                                  rtol=1e-6)
    s = F.softmax(x)
    numpy.testing.assert_allclose(s.array, [[1.0, 0.0, 0.0], [1 / 3] * 3], rtol=1e-6)
    xv = rechain.Variable(x)
    F.sum(F.log_softmax(xv) * numpy.eye(3, dtype=dtype)[:2]).backward()
    # d/dx of (log_softmax(x)[0, 0] + log_softmax(x)[1, 1]) = onehot - softmax
    want = numpy.eye(3)[:2] - numpy.array([[1.0, 0.0, 0.0], [1 / 3] * 3])
    numpy.testing.assert_allclose(xv.grad, want, rtol=1e-6, atol=1e-7)


def test_softmax_retains_output_only():
    y = F.softmax(rechain.Variable(numpy.zeros((2, 3), numpy.float32)))
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(y.creator)]
    assert kinds == [("output", 0)]


@pytest.mark.parametrize("name", sorted(OPS))
def test_axis_out_of_range_raises(name):
    with pytest.raises(rechain.InvalidType,
                       match=rf"{name}: axis=2 is out of range for an input with 2 dimensions"):
        OPS[name][0](numpy.zeros((2, 3), numpy.float32), axis=2)


@pytest.mark.parametrize("name", sorted(OPS))
def test_default_axis_on_1d_raises(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: axis=1 is out of range"):
        OPS[name][0](numpy.zeros(3, numpy.float32))


@pytest.mark.parametrize("name", sorted(OPS))
def test_integer_input_raises(name):
    with pytest.raises(rechain.InvalidType, match=rf"{name}: x must have a floating-point "
                                                   r"dtype, got int64 \(shape \(2, 3\)\)"):
        OPS[name][0](numpy.zeros((2, 3), numpy.int64))

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

DTYPES = [numpy.float32, numpy.float64]
SHAPES = [(4,), (3, 2), (2, 3, 2)]


def _ref(x, t, normalize=True, reduce="mean"):
    x = x.astype(numpy.float64)
    p = 1 / (1 + numpy.exp(-x))
    loss = -(t * numpy.log(p) + (1 - t) * numpy.log(1 - p))
    loss = numpy.where(t == -1, 0.0, loss)
    if reduce == "no":
        return loss
    count = (t != -1).sum() if normalize else t.shape[0]
    return loss.sum() / max(count, 1)


def _data(shape, dtype, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.normal(size=shape).astype(dtype) * 2
    t = rng.integers(0, 2, shape).astype(numpy.int32)
    t.reshape(-1)[1] = -1
    return x, t


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["mean", "no"])
@pytest.mark.parametrize("normalize", [True, False])
def test_forward(shape, dtype, reduce, normalize):
    x, t = _data(shape, dtype)
    y = F.sigmoid_cross_entropy(x, t, normalize=normalize, reduce=reduce)
    want = _ref(x, t, normalize, reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(want)
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_backward_and_double_backward(shape, dtype, reduce):
    x, t = _data(shape, dtype, 1)
    rng = numpy.random.default_rng(2)
    gy = rng.normal(size=(1,) if reduce == "mean" else shape).astype(dtype)
    ggx = rng.normal(size=shape).astype(dtype)

    def f(v):
        y = F.sigmoid_cross_entropy(v, t, reduce=reduce)
        # a 0-d output gradient cannot be perturbed by gradient_check: use (1,)
        return F.reshape(y, (1,)) if reduce == "mean" else y
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, x, gy, **tol)
    gradient_check.check_double_backward(f, x, gy, ggx, **tol)


def test_gradient_values():
    x = rechain.Variable(numpy.array([[0.5, -1.0], [2.0, 0.0]]))
    t = numpy.array([[1, 0], [-1, 1]], numpy.int32)
    F.sigmoid_cross_entropy(x, t).backward()
    p = 1 / (1 + numpy.exp(-x.array))
    want = (p - (t == 1)) * (t != -1) / 3
    numpy.testing.assert_allclose(x.grad, want, rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_inputs_stay_finite(dtype):
    x = numpy.array([1000.0, -1000.0, 1000.0, -1000.0], dtype)
    t = numpy.array([1, 0, 0, 1], numpy.int32)
    y = F.sigmoid_cross_entropy(x, t, reduce="no")
    numpy.testing.assert_allclose(y.array, [0.0, 0.0, 1000.0, 1000.0])


def test_shape_mismatch_raises():
    with pytest.raises(rechain.InvalidType, match=r"sigmoid_cross_entropy: x and t must have the "
                                                   r"same shape, got x \(3, 2\) and t \(3,\)"):
        F.sigmoid_cross_entropy(numpy.zeros((3, 2), numpy.float32), numpy.zeros(3, numpy.int32))


def test_float_t_raises():
    with pytest.raises(rechain.InvalidType, match=r"sigmoid_cross_entropy: t must have an integer "
                                                   r"dtype, got float32 \(shape \(3,\)\)"):
        F.sigmoid_cross_entropy(numpy.zeros(3, numpy.float32), numpy.zeros(3, numpy.float32))


def test_invalid_label_names_position():
    t = numpy.array([[0, 1], [2, -1]], numpy.int32)
    with pytest.raises(rechain.InvalidType, match=r"sigmoid_cross_entropy: t\[1, 0\]=2 is not a "
                                                   r"valid label; labels must be 0, 1 or -1"):
        F.sigmoid_cross_entropy(numpy.zeros((2, 2), numpy.float32), t)


@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_double_backprop_path_gives_same_first_order_gradient(reduce):
    # The first-order backward has a fast array path and a differentiable path
    # (taken when the backward is recorded); both must agree.
    x, t = _data((3, 4), numpy.float64, 6)
    xv = rechain.Variable(x)
    gy = numpy.random.default_rng(7).normal(size=() if reduce == "mean" else (3, 4))
    outs = []
    for double in (False, True):
        y = F.sigmoid_cross_entropy(xv, t, reduce=reduce)
        gx, = rechain.grad([y], [xv], [rechain.Variable(gy)], enable_double_backprop=double)
        outs.append(gx.array)
    numpy.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)


def test_second_derivative_values():
    x = numpy.array([[0.5, -1.0], [2.0, 0.0]])
    t = numpy.array([[1, 0], [-1, 1]], numpy.int32)
    xv = rechain.Variable(x)
    gx, = rechain.grad([F.sigmoid_cross_entropy(xv, t)], [xv], enable_double_backprop=True)
    F.sum(gx).backward()
    p = 1 / (1 + numpy.exp(-x))
    numpy.testing.assert_allclose(xv.grad, p * (1 - p) * (t != -1) / 3, rtol=1e-12)

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import function_node
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}

# (x shape, out_size, n_batch_axes)
CASES = [((3, 4), 2, 1), ((2, 3, 2), 5, 1), ((2, 3, 4), 2, 2), ((1, 1), 1, 1)]


def _ref(x, W, b, n_batch_axes):
    batch = x.shape[:n_batch_axes]
    y = x.reshape(int(numpy.prod(batch)), -1).astype(numpy.float64) @ W.T.astype(numpy.float64)
    if b is not None:
        y = y + b
    return y.reshape(batch + (W.shape[0],))


def _data(shape, out, nb, dtype, rng):
    in_size = int(numpy.prod(shape[nb:]))
    x = rng.uniform(-1, 1, shape).astype(dtype)
    W = rng.uniform(-1, 1, (out, in_size)).astype(dtype)
    b = rng.uniform(-1, 1, (out,)).astype(dtype)
    return x, W, b


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,out,nb", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_forward(shape, out, nb, dtype, with_bias):
    x, W, b = _data(shape, out, nb, dtype, numpy.random.default_rng(0))
    bb = b if with_bias else None
    y = F.linear(x, W, bb, n_batch_axes=nb)
    assert y.dtype == dtype
    assert y.shape == shape[:nb] + (out,)
    numpy.testing.assert_allclose(y.array, _ref(x, W, bb, nb), rtol=1e-5, atol=1e-5)


def test_forward_accepts_variables_and_defaults():
    x, W, b = _data((3, 4), 2, 1, numpy.float32, numpy.random.default_rng(1))
    y = F.linear(rechain.Variable(x), rechain.Variable(W), rechain.Variable(b))
    numpy.testing.assert_allclose(y.array, _ref(x, W, b, 1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,out,nb", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_backward(shape, out, nb, dtype, with_bias):
    rng = numpy.random.default_rng(2)
    x, W, b = _data(shape, out, nb, dtype, rng)
    gy = rng.uniform(-1, 1, shape[:nb] + (out,)).astype(dtype)
    args = (x, W, b) if with_bias else (x, W)
    gradient_check.check_backward(lambda *a: F.linear(*a, n_batch_axes=nb), args, gy,
                                  seed=0, **TOL[dtype])


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,out,nb", CASES)
@pytest.mark.parametrize("with_bias", [True, False])
def test_double_backward(shape, out, nb, dtype, with_bias):
    rng = numpy.random.default_rng(3)
    x, W, b = _data(shape, out, nb, dtype, rng)
    gy = rng.uniform(-1, 1, shape[:nb] + (out,)).astype(dtype)
    args = (x, W, b) if with_bias else (x, W)
    ggs = tuple(rng.uniform(-1, 1, a.shape).astype(dtype) for a in args)

    def f(*a):
        y = F.linear(*a, n_batch_axes=nb)
        return y * y  # nonlinear so that the second derivative involves every path

    gradient_check.check_double_backward(f, args, gy, ggs, seed=0, **TOL[dtype])


def test_gradient_values():
    rng = numpy.random.default_rng(4)
    x, W, b = _data((3, 4), 2, 1, numpy.float64, rng)
    gy = rng.uniform(-1, 1, (3, 2))
    xv, Wv, bv = rechain.Variable(x), rechain.Variable(W), rechain.Variable(b)
    y = F.linear(xv, Wv, bv)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(xv.grad, gy @ W)
    numpy.testing.assert_allclose(Wv.grad, gy.T @ x)
    numpy.testing.assert_allclose(bv.grad, gy.sum(0))


def test_retains_only_x_and_W():
    x, W, b = _data((3, 4), 2, 1, numpy.float32, numpy.random.default_rng(5))
    y = F.linear(rechain.Variable(x), rechain.Variable(W), rechain.Variable(b))
    kept = [(kind, i) for kind, i, _ in function_node.retained_arrays(y.creator)]
    assert kept == [("input", 0), ("input", 1)]


def test_bad_in_size_names_both_shapes():
    x = numpy.zeros((2, 3), numpy.float32)
    W = numpy.zeros((4, 5), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"linear: x \(2, 3\) and W \(4, 5\).*in_size 3.*W.shape\[1\]=5"):
        F.linear(x, W)


def test_bad_bias_shape():
    x = numpy.zeros((2, 3), numpy.float32)
    W = numpy.zeros((4, 3), numpy.float32)
    with pytest.raises(type_check.InvalidType, match=r"linear: b must have shape.*\(4,\).*\(3,\)"):
        F.linear(x, W, numpy.zeros((3,), numpy.float32))


def test_bad_dtype_mix():
    # x and W may differ (Chainer's rule); b has the dtype of one of them
    with pytest.raises(type_check.InvalidType, match=r"linear: b must have the dtype of x "
                                                     r"\(float32\) or of W \(float64\), got "
                                                     r"float16"):
        F.linear(numpy.zeros((2, 3), numpy.float32), numpy.zeros((4, 3), numpy.float64),
                 numpy.zeros(4, numpy.float16))
    with pytest.raises(type_check.InvalidType, match=r"linear: W must have a floating-point"):
        F.linear(numpy.zeros((2, 3), numpy.float32), numpy.zeros((4, 3), numpy.int32))


def test_bad_W_ndim():
    with pytest.raises(type_check.InvalidType, match=r"linear: W must be 2-d.*\(4, 3, 1\)"):
        F.linear(numpy.zeros((2, 3), numpy.float32), numpy.zeros((4, 3, 1), numpy.float32))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x, W, b = _data((3, 4), 2, 1, numpy.float32, numpy.random.default_rng(6))
    y = F.linear(cp.asarray(x), cp.asarray(W), cp.asarray(b))
    numpy.testing.assert_allclose(cp.asnumpy(y.array), _ref(x, W, b, 1), rtol=1e-5, atol=1e-5)


def test_list_input_names_the_argument():
    W = numpy.ones((3, 2), numpy.float32)
    with pytest.raises(type_check.InvalidType, match="linear: x must be a Variable or an "
                                                     "ndarray, not list"):
        F.linear([[1., 2.]], W)
    with pytest.raises(type_check.InvalidType, match="linear: W must be a Variable or an "
                                                     "ndarray, not NoneType"):
        F.linear(numpy.ones((1, 2), numpy.float32), None)

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


def _data(dtype, b=4, k=3, seed=0):
    rng = numpy.random.default_rng(seed)
    x = rng.uniform(-1, 1, (b, k)).astype(dtype)
    t = rng.integers(0, k, b).astype(numpy.int32)
    return x, t


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("tdtype", [numpy.int32, numpy.int64, numpy.uint8])
def test_forward(dtype, tdtype):
    x, t = _data(dtype)
    t = t.astype(tdtype)
    y = F.select_item(x, t)
    assert y.dtype == dtype and y.shape == (4,)
    numpy.testing.assert_array_equal(y.array, [x[i, t[i]] for i in range(4)])


def test_gradient_scatters_into_chosen_positions():
    x = rechain.Variable(numpy.arange(6.0).reshape(2, 3))
    y = F.select_item(x, numpy.array([2, 0]))
    y.grad = numpy.array([5.0, 7.0])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[0, 0, 5], [7, 0, 0]])


def test_backward_and_double_backward():
    x, t = _data(numpy.float64, 5, 4, 1)
    rng = numpy.random.default_rng(2)
    f = lambda x: F.select_item(x, t)  # noqa: E731
    gradient_check.check_backward(f, x, rng.normal(size=5))
    gradient_check.check_double_backward(f, x, rng.normal(size=5), rng.normal(size=x.shape))


def test_forget_gives_plain_outputs_and_gradients():
    x_data, t = _data(numpy.float64, 5, 4, 3)
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        f = lambda x: F.select_item(x * x, t)  # noqa: E731
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_retains_t_only():
    x, t = _data(numpy.float32)
    y = F.select_item(rechain.Variable(x), t)
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(y.creator)]
    assert kinds == [("input", 1)]


@pytest.mark.parametrize("x_shape,t_shape,match", [
    ((4,), (4,), r"select_item: x must be 2-d \(B, K\), got shape \(4,\)"),
    ((4, 3), (3,), r"select_item: t must be 1-d with x.shape\[0\] = 4 elements, got shape "
                   r"\(3,\)"),
    ((4, 3), (4, 1), r"got shape \(4, 1\)"),
])
def test_bad_shapes(x_shape, t_shape, match):
    with pytest.raises(rechain.InvalidType, match=match):
        F.select_item(numpy.zeros(x_shape, numpy.float32), numpy.zeros(t_shape, numpy.int32))


def test_bad_dtypes():
    with pytest.raises(rechain.InvalidType, match="select_item: t must have an integer dtype"):
        F.select_item(numpy.zeros((2, 3), numpy.float32), numpy.zeros(2, numpy.float32))
    with pytest.raises(rechain.InvalidType, match="select_item: x must have a floating"):
        F.select_item(numpy.zeros((2, 3), numpy.int32), numpy.zeros(2, numpy.int32))


@pytest.mark.parametrize("bad", [3, -1])
def test_index_out_of_range(bad):
    with pytest.raises(ValueError, match=rf"select_item: t\[1\] = {bad} is out of range for x "
                                         r"of shape \(2, 3\) \(must be in \[0, 3\)\)"):
        F.select_item(numpy.zeros((2, 3), numpy.float32), numpy.array([0, bad]))


@pytest.mark.gpu
def test_gpu():
    cp = rechain.backend.cupy
    x, t = _data(numpy.float32)
    y = F.select_item(cp.asarray(x), cp.asarray(t))
    numpy.testing.assert_array_equal(cp.asnumpy(y.array), x[numpy.arange(4), t])

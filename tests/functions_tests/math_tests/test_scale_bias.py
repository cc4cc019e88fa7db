import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

# (x shape, y shape, axis)
CASES = [((2, 3, 4), (3,), 1), ((2, 3, 4), (3, 4), 1), ((2, 3, 4), (4,), 2),
         ((2, 3, 4), (2, 3), 0), ((2, 3, 4), (4,), -1), ((2, 3), (2, 3), 0)]

OPS = {"scale": (F.scale, numpy.multiply), "bias": (F.bias, numpy.add)}


def _ref_expand(x, y, axis):
    axis %= x.ndim
    return y.reshape((1,) * axis + y.shape + (1,) * (x.ndim - axis - y.ndim))


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,ys,axis", CASES)
def test_forward(name, xs, ys, axis, dtype):
    f, ref = OPS[name]
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=xs).astype(dtype)
    y = rng.normal(size=ys).astype(dtype)
    z = f(x, y, axis=axis)
    assert z.dtype == dtype and z.shape == xs
    numpy.testing.assert_allclose(z.array, ref(x, _ref_expand(x, y, axis)), rtol=1e-6)


def test_default_axis_is_1():
    x = numpy.ones((2, 3, 2))
    numpy.testing.assert_array_equal(F.scale(x, numpy.array([1.0, 2.0, 3.0])).array[1, :, 0],
                                     [1, 2, 3])
    numpy.testing.assert_array_equal(F.bias(x, numpy.array([1.0, 2.0, 3.0])).array[1, :, 1],
                                     [2, 3, 4])


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("xs,ys,axis", CASES)
def test_backward_and_double_backward(name, xs, ys, axis):
    f = OPS[name][0]
    rng = numpy.random.default_rng(1)
    x, y = rng.normal(size=xs), rng.normal(size=ys)
    func = lambda x, y: f(x, y, axis=axis)  # noqa: E731
    gz = rng.normal(size=xs)
    gradient_check.check_backward(func, (x, y), gz)
    if name == "scale":
        gradient_check.check_double_backward(func, (x, y), gz,
                                             (rng.normal(size=xs), rng.normal(size=ys)))
    else:  # bias is linear: second derivatives are zero, checked through tanh
        g = lambda x, y: F.tanh(f(x, y, axis=axis))  # noqa: E731
        gradient_check.check_double_backward(g, (x, y), gz,
                                             (rng.normal(size=xs), rng.normal(size=ys)))


@pytest.mark.parametrize("name", sorted(OPS))
def test_forget_gives_plain_outputs_and_gradients(name):
    f = OPS[name][0]
    rng = numpy.random.default_rng(2)
    x_data, y_data = rng.normal(size=(2, 3, 4)), rng.normal(size=(3,))
    out = []
    for use in (False, True):
        x, y = rechain.Variable(x_data.copy()), rechain.Variable(y_data.copy())
        g = lambda x, y: f(F.tanh(x), y)  # noqa: E731
        z = F.forget(g, x, y) if use else g(x, y)
        F.sum(z * z).backward()
        out.append((z.array, x.grad, y.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("ys,axis", [((4,), 1), ((3, 4, 5), 1), ((3,), 3), ((2,), -1)])
def test_bad_shape(name, ys, axis):
    with pytest.raises(rechain.InvalidType,
                       match=rf"{name}: y's shape must equal x.shape\[axis:axis \+ y.ndim\]; "
                             rf"got y {re.escape(str(numpy.zeros(ys).shape))} for x "
                             rf"\(2, 3, 4\) and axis={axis}"):
        OPS[name][0](numpy.zeros((2, 3, 4)), numpy.zeros(ys), axis=axis)


@pytest.mark.parametrize("name", sorted(OPS))
def test_bad_dtype(name):
    with pytest.raises(rechain.InvalidType, match=f"{name}: x and y must have the same dtype"):
        OPS[name][0](numpy.zeros((2, 3), numpy.float32), numpy.zeros(3, numpy.float64))
    with pytest.raises(TypeError, match=f"{name}: axis must be an int, not float"):
        OPS[name][0](numpy.zeros((2, 3)), numpy.zeros(3), axis=1.0)

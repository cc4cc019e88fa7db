import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def ref(x, eps, axis):
    x = x.astype(numpy.float64)
    y = numpy.empty(x.shape)
    axes = (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % x.ndim for a in axes)
    rest = [i for i in range(x.ndim) if i not in axes]
    xt = numpy.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    yt = numpy.moveaxis(y, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    for idx in numpy.ndindex(*[x.shape[i] for i in rest]):
        v = xt[idx]
        yt[idx] = v / (numpy.sqrt((v * v).sum()) + eps)
    return y


CASES = [((4, 3), 1), ((4, 3), 0), ((2, 3, 4), 2), ((2, 3, 4), (1, 2)), ((3, 5), -1)]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,axis", CASES)
def test_forward(shape, axis, dtype):
    x = numpy.random.default_rng(0).uniform(-1, 1, shape).astype(dtype)
    y = F.normalize(x, eps=1e-3, axis=axis)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ref(x, 1e-3, axis), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape,axis", CASES)
def test_gradients(shape, axis, grads):
    x = numpy.random.default_rng(1).uniform(-1, 1, shape)
    grads(lambda x: F.normalize(x, axis=axis), (x,))


def test_zero_vector_gradients_are_finite_at_every_order():
    x = rechain.Variable(numpy.array([[0., 0., 0.], [1., -2., 2.]]))
    y = F.normalize(x, eps=0.5)
    gx, = rechain.grad([F.sum(y * y * y)], [x], enable_double_backprop=True)
    # d/dx (x / eps)^3 at 0 is 0; the second row by the closed form
    numpy.testing.assert_array_equal(gx.array[0], 0)
    F.sum(gx * gx).backward()
    assert numpy.isfinite(x.grad).all()
    # first order at a zero vector: y = x / eps, so gx = gy / eps
    x0 = rechain.Variable(numpy.zeros((1, 3)))
    y0 = F.normalize(x0, eps=0.25)
    y0.grad = numpy.array([[1., 2., 3.]])
    y0.backward()
    numpy.testing.assert_allclose(x0.grad, [[4., 8., 12.]])


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain_fx):
    x = numpy.random.default_rng(2).uniform(-1, 1, (3, 4))
    forget_matches_plain_fx(lambda x: F.normalize(F.sin(x)), (x,))


def test_bad_input():
    with pytest.raises(type_check.InvalidType, match=r"normalize: x must have a floating-point "
                                                     r"dtype, got int32"):
        F.normalize(numpy.zeros((2, 3), numpy.int32))
    with pytest.raises(type_check.InvalidType, match=r"normalize: axis"):
        F.normalize(numpy.zeros((2, 3), numpy.float32), axis=2)
    with pytest.raises(ValueError, match=r"normalize: eps must be non-negative, got -1"):
        F.normalize(numpy.zeros((2, 3), numpy.float32), eps=-1)

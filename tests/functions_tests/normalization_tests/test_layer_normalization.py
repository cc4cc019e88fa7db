import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import function_node
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}
SHAPES = [(3, 4), (1, 5), (6, 2)]


def _data(shape, dtype, rng):
    x = rng.uniform(-1, 1, shape).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, shape[1]).astype(dtype)
    beta = rng.uniform(-1, 1, shape[1]).astype(dtype)
    return x, gamma, beta


def _ref(x, gamma, beta, eps):
    x = x.astype(numpy.float64)
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / numpy.sqrt(var + eps) + beta


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_forward(shape, dtype):
    x, gamma, beta = _data(shape, dtype, numpy.random.default_rng(0))
    y = F.layer_normalization(x, gamma, beta)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, _ref(x, gamma, beta, 1e-5), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_and_double_backward(shape, dtype):
    rng = numpy.random.default_rng(1)
    args = _data(shape, dtype, rng)
    gy = rng.uniform(-1, 1, shape).astype(dtype)
    f = lambda *a: F.layer_normalization(*a, eps=1e-2)  # noqa: E731
    gradient_check.check_backward(f, args, gy, seed=0, **TOL[dtype])
    ggs = tuple(rng.uniform(-1, 1, a.shape).astype(dtype) for a in args)
    gradient_check.check_double_backward(f, args, gy, ggs, seed=0, **TOL[dtype])


def test_gradient_of_gamma_and_beta_values():
    rng = numpy.random.default_rng(2)
    x, gamma, beta = _data((4, 3), numpy.float64, rng)
    gv, bv = rechain.Variable(gamma), rechain.Variable(beta)
    y = F.layer_normalization(x, gv, bv)
    gy = rng.uniform(-1, 1, y.shape)
    y.grad = gy
    y.backward()
    xh = (x - x.mean(1, keepdims=True)) / numpy.sqrt(x.var(1, keepdims=True) + 1e-5)
    numpy.testing.assert_allclose(gv.grad, (gy * xh).sum(0), rtol=1e-8)
    numpy.testing.assert_allclose(bv.grad, gy.sum(0), rtol=1e-8)


def test_retains_per_sample_statistics():
    x, gamma, beta = _data((4, 3), numpy.float32, numpy.random.default_rng(3))
    y = F.layer_normalization(rechain.Variable(x), gamma, beta)
    node = y.creator
    kept = [(kind, i, a.size) for kind, i, a in function_node.retained_arrays(node)]
    assert kept == [("input", 0, 12), ("input", 1, 3), ("output", 1, 4), ("output", 2, 4)]


def test_bad_gamma_shape():
    with pytest.raises(type_check.InvalidType,
                       match=r"layer_normalization: gamma of shape \(4,\) does not match x "
                             r"\(2, 3\): expected \(3,\)"):
        F.layer_normalization(numpy.zeros((2, 3), numpy.float32), numpy.ones(4, 'f'),
                              numpy.zeros(3, 'f'))


def test_bad_ndim():
    with pytest.raises(type_check.InvalidType,
                       match=r"layer_normalization: x must be 2-d.*\(2, 3, 4\)"):
        F.layer_normalization(numpy.zeros((2, 3, 4), numpy.float32), numpy.ones(3, 'f'),
                              numpy.zeros(3, 'f'))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x, gamma, beta = _data((3, 4), numpy.float32, numpy.random.default_rng(4))
    y = F.layer_normalization(cp.asarray(x), cp.asarray(gamma), cp.asarray(beta))
    numpy.testing.assert_allclose(cp.asnumpy(y.array), _ref(x, gamma, beta, 1e-5), rtol=1e-4,
                                  atol=1e-4)


@pytest.mark.parametrize("shape", SHAPES)
def test_differentiable_backward_gives_the_same_gradients(shape):
    """The Variable formulas (double backprop) equal the array formulas (plain)."""
    rng = numpy.random.default_rng(5)
    args = _data(shape, numpy.float64, rng)
    gy = rng.uniform(-1, 1, shape)

    def grads(double):
        vs = [rechain.Variable(a) for a in args]
        y = F.layer_normalization(*vs)
        return [g.array for g in rechain.grad([y], vs, [rechain.Variable(gy)],
                                              enable_double_backprop=double)]

    for a, b in zip(grads(False), grads(True)):
        numpy.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}

# (ids, ignore_label)
CASES = [
    (numpy.array([0, 2, 1, 2], numpy.int32), None),
    (numpy.array([[0, 2], [3, 3], [1, 0]], numpy.int64), None),
    (numpy.array(3, numpy.int32), None),
    (numpy.array([0, -1, 2, -1, 2], numpy.int32), -1),
    (numpy.array([[1, 4], [4, 0]], numpy.int32), 4),   # ignore_label that is also a row id
]


def _ref(x, W, ignore):
    y = W[numpy.where(x == ignore, 0, x) if ignore is not None else x].astype(numpy.float64)
    if ignore is not None:
        y[x == ignore] = 0
    return y


def _ref_grad(x, W, gy, ignore):
    gW = numpy.zeros(W.shape)
    for idx in numpy.ndindex(x.shape):
        if ignore is not None and x[idx] == ignore:
            continue
        gW[x[idx]] += gy[idx]
    return gW


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("x,ignore", CASES)
def test_forward(x, ignore, dtype):
    W = numpy.random.default_rng(0).uniform(-1, 1, (5, 3)).astype(dtype)
    y = F.embed_id(x, W, ignore_label=ignore)
    assert y.dtype == dtype and y.shape == x.shape + (3,)
    numpy.testing.assert_allclose(y.array, _ref(x, W, ignore))


@pytest.mark.parametrize("x,ignore", CASES)
def test_gradient_values(x, ignore):
    rng = numpy.random.default_rng(1)
    W = rechain.Variable(rng.uniform(-1, 1, (5, 3)))
    y = F.embed_id(rechain.Variable(x), W, ignore_label=ignore)  # ids as a Variable too
    gy = rng.uniform(-1, 1, y.shape)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(W.grad, _ref_grad(x, W.array, gy, ignore))


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("x,ignore", CASES)
def test_backward_and_double_backward(x, ignore, dtype):
    rng = numpy.random.default_rng(2)
    W = rng.uniform(-1, 1, (5, 3)).astype(dtype)
    gy = rng.uniform(-1, 1, x.shape + (3,)).astype(dtype)
    ggW = rng.uniform(-1, 1, W.shape).astype(dtype)

    def f(x_, W_):
        y = F.embed_id(x_, W_, ignore_label=ignore)
        return y * y

    gradient_check.check_backward(f, (x, W), gy, seed=0, **TOL[dtype])
    gradient_check.check_double_backward(f, (x, W), gy, (ggW,), seed=0, **TOL[dtype])


def test_bad_id_out_of_range():
    W = numpy.zeros((4, 2), numpy.float32)
    with pytest.raises(ValueError, match=r"embed_id: id 7 at index \(1,\) of x \(3,\) is out "
                                         r"of range for vocabulary size 4"):
        F.embed_id(numpy.array([1, 7, 2], numpy.int32), W)


def test_bad_negative_id_without_ignore_label():
    W = numpy.zeros((4, 2), numpy.float32)
    with pytest.raises(ValueError, match=r"embed_id: id -1 .*vocabulary size 4"):
        F.embed_id(numpy.array([[0, -1]], numpy.int32), W)


def test_bad_float_ids():
    with pytest.raises(type_check.InvalidType,
                       match=r"embed_id: x must have an integer dtype, got float32"):
        F.embed_id(numpy.zeros((2,), numpy.float32), numpy.zeros((4, 2), numpy.float32))


def test_bad_W_ndim():
    with pytest.raises(type_check.InvalidType, match=r"embed_id: W must be 2-d.*\(4,\)"):
        F.embed_id(numpy.zeros((2,), numpy.int32), numpy.zeros((4,), numpy.float32))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x = numpy.array([0, 2, 2, -1], numpy.int32)
    W = numpy.random.default_rng(3).uniform(-1, 1, (3, 2)).astype(numpy.float32)
    Wg = rechain.Variable(cp.asarray(W))
    y = F.embed_id(cp.asarray(x), Wg, ignore_label=-1)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), _ref(x, W, -1))
    F.sum(y).backward()
    numpy.testing.assert_allclose(cp.asnumpy(Wg.grad), _ref_grad(x, W, numpy.ones((4, 2)), -1))


def test_scatter_add_fallback_without_ufunc_at():
    import importlib
    mod = importlib.import_module("rechain.functions.connection.embed_id")

    class NoAt:  # an array module whose ``add`` ufunc has no ``at`` (older CuPy)
        add = None

        def __getattr__(self, name):
            return getattr(numpy, name)

    rng = numpy.random.default_rng(4)
    ids = numpy.array([3, 0, 3, 1, 3, 0])
    vals = rng.uniform(-1, 1, (6, 2))
    out = numpy.zeros((5, 2))
    mod._scatter_add(NoAt(), out, ids, vals)
    ref = numpy.zeros((5, 2))
    numpy.add.at(ref, ids, vals)
    numpy.testing.assert_allclose(out, ref)

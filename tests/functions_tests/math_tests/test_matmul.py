"""matmul and batch_matmul."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

# (a shape, b shape) as given to numpy.matmul, before transposition.
SHAPES = [
    ((3,), (3,)),             # dot product -> 0-d
    ((3,), (3, 4)),           # row vector
    ((2, 3), (3,)),           # column vector
    ((2, 3), (3, 4)),
    ((1, 1), (1, 1)),
    ((5, 2, 3), (5, 3, 4)),   # batch
    ((5, 2, 3), (3, 4)),      # batch broadcast against a matrix
    ((2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)),  # broadcast batch axes both ways
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
]


def _t(x, trans):
    return x.swapaxes(-1, -2) if trans and x.ndim >= 2 else x


def _stored(rng, shape, trans, dtype):
    """An operand stored transposed when ``trans`` (so that op(x) has ``shape``)."""
    x = numpy.asarray(rng.uniform(-1, 1, size=shape)).astype(dtype)
    return numpy.ascontiguousarray(_t(x, trans))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("transa,transb", [(False, False), (True, False), (False, True),
                                           (True, True)])
@pytest.mark.parametrize("sa,sb", SHAPES)
class TestMatMul:
    def test_forward(self, rng, sa, sb, transa, transb, dtype):
        a = _stored(rng, sa, transa, dtype)
        b = _stored(rng, sb, transb, dtype)
        y = F.matmul(a, b, transa=transa, transb=transb)
        expected = numpy.matmul(_t(a, transa).astype(numpy.float64),
                                _t(b, transb).astype(numpy.float64))
        assert y.dtype == dtype and y.shape == expected.shape
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-6)

    def test_grads(self, rng, grads, sa, sb, transa, transb, dtype):
        a = _stored(rng, sa, transa, dtype)
        b = _stored(rng, sb, transb, dtype)
        grads(lambda x, y: F.matmul(x, y, transa=transa, transb=transb), (a, b), dtype)


def test_matmul_gradients_formula():
    rng = numpy.random.default_rng(0)
    a = Variable(rng.normal(size=(2, 3)))
    b = Variable(rng.normal(size=(3, 4)))
    y = F.matmul(a, b)
    gy = rng.normal(size=(2, 4))
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(a.grad, gy @ b.array.T, rtol=1e-12)
    numpy.testing.assert_allclose(b.grad, a.array.T @ gy, rtol=1e-12)


def test_matmul_double_backward_is_a_matmul_graph():
    a = Variable(numpy.ones((2, 3)))
    b = Variable(numpy.ones((3, 4)))
    ga, = rechain.grad([F.sum(F.matmul(a, b))], [a], enable_double_backprop=True)
    assert type(ga.creator).__name__ == "MatMul"
    gb, = rechain.grad([F.sum(ga * ga)], [b])
    # ga = G b^T with G = ones(2, 4), so d sum(ga^2) / db = 2 ga^T G.
    numpy.testing.assert_allclose(gb.array, 2 * ga.array.T @ numpy.ones((2, 4)))


def test_operator_matches_function():
    rng = numpy.random.default_rng(0)
    a = Variable(rng.normal(size=(4, 2, 3)).astype(numpy.float32))
    b = Variable(rng.normal(size=(3, 5)).astype(numpy.float32))
    numpy.testing.assert_array_equal((a @ b).array, F.matmul(a, b).array)


# -- batch_matmul ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb,transa,transb,out", [
    ((4, 2, 3), (4, 3, 5), False, False, (4, 2, 5)),
    ((4, 3, 2), (4, 3, 5), True, False, (4, 2, 5)),
    ((4, 2, 3), (4, 5, 3), False, True, (4, 2, 5)),
    ((4, 2, 3), (4, 3), False, False, (4, 2, 1)),
    ((4, 3), (4, 3), True, False, (4, 1, 1)),
    ((4, 3), (4, 5), False, True, (4, 3, 5)),
])
def test_batch_matmul(rng, grads, sa, sb, transa, transb, out, dtype):
    a = numpy.asarray(rng.normal(size=sa)).astype(dtype)
    b = numpy.asarray(rng.normal(size=sb)).astype(dtype)
    y = F.batch_matmul(a, b, transa=transa, transb=transb)
    a3 = a if a.ndim == 3 else a[:, :, None]
    b3 = b if b.ndim == 3 else b[:, :, None]
    expected = _t(a3, transa).astype(numpy.float64) @ _t(b3, transb).astype(numpy.float64)
    assert y.shape == out and y.dtype == dtype
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-5, atol=1e-6)
    grads(lambda x, z: F.batch_matmul(x, z, transa=transa, transb=transb), (a, b), dtype)


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb,kw,ka,kb", [
    ((2, 3), (4, 5), {}, 3, 4),
    ((3,), (4,), {}, 3, 4),
    ((2, 3), (2, 3), {}, 3, 2),
    ((2, 3), (2, 4), {"transb": True}, 3, 4),
    ((5, 2, 3), (5, 2, 4), {}, 3, 2),
])
def test_matmul_shape_mismatch(sa, sb, kw, ka, kb):
    a = Variable(numpy.ones(sa, numpy.float32))
    b = Variable(numpy.ones(sb, numpy.float32))
    flags = ", transb=True" if kw else ""
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"matmul: a {sa} and b {sb}{flags} cannot be multiplied: the contracted "
            f"dimensions of a and b are {ka} and {kb}")):
        F.matmul(a, b, **kw)


def test_transpose_flag_makes_shapes_compatible():
    a = numpy.ones((2, 3), numpy.float32)
    assert F.matmul(a, a, transb=True).shape == (2, 2)
    assert F.matmul(a, a, transa=True).shape == (3, 3)


def test_matmul_operator_shape_mismatch():
    a = Variable(numpy.ones((2, 3), numpy.float32))
    with pytest.raises(rechain.InvalidType, match=r"matmul: a \(2, 3\) and b \(2, 3\)"):
        a @ numpy.ones((2, 3), numpy.float32)


def test_matmul_batch_mismatch():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "matmul (batch dimensions): shapes cannot be broadcast together: a (5,), b (4,)")):
        F.matmul(numpy.ones((5, 2, 3), numpy.float32), numpy.ones((4, 3, 2), numpy.float32))


def test_matmul_zero_dim():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "matmul: b must have at least one dimension, got shape ()")):
        F.matmul(numpy.ones((2,), numpy.float32), numpy.ones((), numpy.float32))


def test_matmul_dtype_mismatch():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "matmul: a and b must have the same dtype, got a float32 (2, 3) and "
            "b float64 (3, 2)")):
        F.matmul(numpy.ones((2, 3), numpy.float32), numpy.ones((3, 2), numpy.float64))


def test_matmul_integer():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "matmul: a must have a floating-point dtype, got int64 (shape (2, 3))")):
        F.matmul(numpy.ones((2, 3), numpy.int64), numpy.ones((3, 2), numpy.float64))


def test_batch_matmul_wrong_ndim():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "batch_matmul: a must be 2-d or 3-d, got shape (2, 2, 3, 4)")):
        F.batch_matmul(numpy.ones((2, 2, 3, 4), numpy.float32), numpy.ones((2, 4), numpy.float32))


def test_batch_matmul_shape_mismatch():
    with pytest.raises(rechain.InvalidType, match=r"batch_matmul: a \(4, 2, 3\) and b \(4, 5, 1\)"):
        F.batch_matmul(numpy.ones((4, 2, 3), numpy.float32), numpy.ones((4, 5), numpy.float32))


@pytest.mark.gpu
def test_matmul_gpu_matches_cpu():
    from rechain import backend
    rng = numpy.random.default_rng(0)
    a = rng.normal(size=(3, 2, 4)).astype(numpy.float32)
    b = rng.normal(size=(4, 5)).astype(numpy.float32)
    grads = []
    for xp_a, xp_b in ((a, b), (backend.to_gpu(a), backend.to_gpu(b))):
        va, vb = Variable(xp_a), Variable(xp_b)
        y = F.matmul(va, vb, transb=False)
        F.sum(y * y).backward()
        grads.append((backend.to_cpu(y.array), backend.to_cpu(va.grad), backend.to_cpu(vb.grad)))
    for c, g in zip(*grads):
        numpy.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)

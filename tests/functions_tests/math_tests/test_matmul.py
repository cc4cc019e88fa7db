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


# -- operands of different dtypes (Chainer: the promoted dtype) ---------------------------

MIXED = [(numpy.float16, numpy.float32), (numpy.float32, numpy.float64),
         (numpy.float64, numpy.float16)]


@pytest.mark.parametrize("da,db", MIXED)
@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)),
                                   ((3,), (3,)), ((5, 2, 3), (3, 4))])
@pytest.mark.parametrize("transb", [False, True])
def test_mixed_dtypes_give_promoted_output_and_gradients_of_the_inputs_dtypes(
        rng, sa, sb, transb, da, db):
    a = Variable(_stored(rng, sa, False, da))
    b = Variable(_stored(rng, sb, transb, db))
    y = F.matmul(a, b, transb=transb)
    out = numpy.result_type(da, db)
    a64, b64 = a.array.astype(numpy.float64), _t(b.array, transb).astype(numpy.float64)
    expected = numpy.matmul(a64, b64)
    assert y.dtype == out and y.shape == expected.shape
    tol = 2e-3 if numpy.float16 in (da, db) else 1e-5
    numpy.testing.assert_allclose(y.array, expected, rtol=tol, atol=tol)
    gy = rng.uniform(-1, 1, size=y.shape).astype(out)
    y.grad = gy
    y.backward()
    assert a.grad.dtype == da and a.grad.shape == a.shape
    assert b.grad.dtype == db and b.grad.shape == b.shape
    g64 = gy.astype(numpy.float64)
    # the plain products of the dense forms: d(a b)/da = gy b^T, d/db = a^T gy
    a2 = a64.reshape((1,) + a64.shape) if a64.ndim == 1 else a64
    b2 = b64.reshape(b64.shape + (1,)) if b64.ndim == 1 else b64
    g2 = numpy.matmul(a2, b2).shape
    g64 = g64.reshape(g2)
    ga = (g64 @ numpy.swapaxes(b2, -1, -2)).reshape(a64.shape) if a64.ndim < 3 else \
        g64 @ numpy.swapaxes(b2, -1, -2)
    gb = numpy.swapaxes(a2, -1, -2) @ g64
    if gb.ndim > b2.ndim:
        gb = gb.sum(axis=tuple(range(gb.ndim - b2.ndim)))
    gb = gb.reshape(b64.shape)
    numpy.testing.assert_allclose(a.grad, ga, rtol=tol * 10, atol=tol * 10)
    numpy.testing.assert_allclose(b.grad, _t(gb, transb), rtol=tol * 10, atol=tol * 10)


def test_mixed_dtypes_numerical_and_double_backward():
    rng = numpy.random.default_rng(3)
    a = rng.uniform(-1, 1, (2, 3)).astype(numpy.float32)
    b = rng.uniform(-1, 1, (3, 4))  # float64
    gy = rng.uniform(-1, 1, (2, 4))
    rechain.gradient_check.check_backward(F.matmul, (a, b), gy, dtype=numpy.float64,
                                          atol=1e-3, rtol=1e-3)
    gga = rng.uniform(-1, 1, (2, 3)).astype(numpy.float32)
    ggb = rng.uniform(-1, 1, (3, 4))
    rechain.gradient_check.check_double_backward(F.matmul, (a, b), gy, (gga, ggb),
                                                 dtype=numpy.float64, atol=1e-3, rtol=1e-3)
    # under forget: the plain gradients
    out = []
    for use in (False, True):
        va, vb = Variable(a.copy()), Variable(b.copy())
        y = F.forget(F.matmul, va, vb) if use else F.matmul(va, vb)
        F.sum(y * y).backward()
        out.append((y.array, va.grad, vb.grad))
    for p, q in zip(*out):
        numpy.testing.assert_array_equal(p, q)
    assert out[0][1].dtype == numpy.float32 and out[0][2].dtype == numpy.float64


def test_mixed_dtypes_still_need_floats():
    with pytest.raises(rechain.InvalidType, match=r"matmul: b"):
        F.matmul(numpy.ones((2, 3), numpy.float32), numpy.ones((3, 2), numpy.int32))


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
@pytest.mark.filterwarnings("ignore:batch_matmul is deprecated:DeprecationWarning")
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


def test_matmul_integer():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "matmul: a must have a floating-point dtype, got int64 (shape (2, 3))")):
        F.matmul(numpy.ones((2, 3), numpy.int64), numpy.ones((3, 2), numpy.float64))


def test_batch_matmul_warns_it_is_deprecated():
    with pytest.warns(DeprecationWarning, match="batch_matmul is deprecated.*use matmul"):
        y = F.batch_matmul(numpy.ones((2, 2, 3)), numpy.ones((2, 3, 4)))
    assert y.shape == (2, 2, 4)


@pytest.mark.filterwarnings("ignore:batch_matmul is deprecated:DeprecationWarning")
def test_batch_matmul_wrong_ndim():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "batch_matmul: a must be 2-d or 3-d, got shape (2, 2, 3, 4)")):
        F.batch_matmul(numpy.ones((2, 2, 3, 4), numpy.float32), numpy.ones((2, 4), numpy.float32))


@pytest.mark.filterwarnings("ignore:batch_matmul is deprecated:DeprecationWarning")
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

"""utils.CooMatrix / to_coo / get_order and F.sparse_matmul."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable
from rechain.utils import CooMatrix, get_order, to_coo


def _sparse(rng, shape, density=0.4):
    x = rng.normal(size=shape)
    x[rng.uniform(size=shape) > density] = 0.0
    return x


# ---------------------------------------------------------------- COO matrices

def test_to_coo_round_trip(rng):
    x = _sparse(rng, (4, 5))
    m = to_coo(x)
    assert m.shape == (4, 5) and m.order == "C" and m.row.dtype == numpy.int32
    assert m.data.shape == (numpy.count_nonzero(x),)
    numpy.testing.assert_array_equal(m.to_dense(), x)
    assert not m.data.requires_grad and to_coo(x, requires_grad=True).data.requires_grad


def test_to_coo_batch_and_padding(rng):
    x = numpy.stack([_sparse(rng, (3, 4)), numpy.zeros((3, 4)), _sparse(rng, (3, 4))])
    m = to_coo(x, ldnz=20)
    assert m.data.shape == (3, 20)
    assert (m.row[1] == -1).all() and (m.data.array[1] == 0).all()
    numpy.testing.assert_array_equal(m.to_dense(), x)


def test_coo_repeated_entries_sum():
    m = CooMatrix(numpy.array([1.0, 2.0, 5.0]), numpy.array([0, 0, 1]),
                  numpy.array([1, 1, 0]), (2, 2))
    numpy.testing.assert_array_equal(m.to_dense(), [[0.0, 3.0], [5.0, 0.0]])


def test_get_order():
    assert get_order(numpy.array([0, 0, 1]), numpy.array([0, 2, 1])) == "C"
    assert get_order(numpy.array([1, 0, 1]), numpy.array([0, 1, 1])) == "F"
    assert get_order(numpy.array([1, 0, 0]), numpy.array([0, 1, 0])) == "other"
    assert get_order(numpy.array([0, -1]), numpy.array([0, -1])) == "C"
    with pytest.raises(ValueError, match="get_order: a padding slot must have both its row "
                                         "and its column index negative"):
        get_order(numpy.array([0, -1]), numpy.array([0, 1]))


def test_coo_bad_arguments():
    r = numpy.array([0, 1])
    with pytest.raises(ValueError, match=r"CooMatrix: data, row and col must have one shape"):
        CooMatrix(numpy.ones(3), r, r, (2, 2))
    with pytest.raises(ValueError, match=r"CooMatrix: shape must be two positive ints"):
        CooMatrix(numpy.ones(2), r, r, (2, 0))
    with pytest.raises(ValueError, match=r"CooMatrix: an index is out of range for shape"):
        CooMatrix(numpy.ones(2), r, numpy.array([0, 2]), (2, 2))
    with pytest.raises(ValueError, match="to_coo: x must have 2 or 3 dimensions"):
        to_coo(numpy.ones(3))


# ---------------------------------------------------------------- sparse_matmul

# (sparse shape, dense shape, sparse on the left, transa, transb)
CASES = [
    ((3, 4), (4, 5), True, False, False),
    ((4, 3), (4, 5), True, True, False),
    ((3, 4), (5, 4), True, False, True),
    ((4, 3), (5, 4), True, True, True),
    ((4, 5), (3, 4), False, False, False),
    ((5, 4), (3, 4), False, False, True),
    ((4, 5), (4, 3), False, True, False),
    ((2, 3, 4), (2, 4, 5), True, False, False),
    ((2, 4, 5), (2, 3, 4), False, False, False),
]


def _dense_ref(a, b, transa, transb):
    a = numpy.swapaxes(a, -1, -2) if transa else a
    b = numpy.swapaxes(b, -1, -2) if transb else b
    return numpy.matmul(a, b)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("ss,ds,left,ta,tb", CASES)
def test_forward(rng, ss, ds, left, ta, tb, dtype):
    s = _sparse(rng, ss).astype(dtype)
    d = rng.normal(size=ds).astype(dtype)
    sp = to_coo(s, ldnz=ss[-2] * ss[-1])  # as many slots as entries: padding too
    y = F.sparse_matmul(sp, d, ta, tb) if left else F.sparse_matmul(d, sp, ta, tb)
    want = _dense_ref(s, d, ta, tb) if left else _dense_ref(d, s, ta, tb)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("ss,ds,left,ta,tb", CASES)
def test_grads(rng, grads, ss, ds, left, ta, tb, dtype):
    s = _sparse(rng, ss)
    template = to_coo(s, ldnz=12 if s.ndim == 2 else 30)  # some padding slots too

    def f(data, d):
        sp = CooMatrix(data, template.row, template.col, template.shape)
        return F.sparse_matmul(sp, d, ta, tb) if left else F.sparse_matmul(d, sp, ta, tb)
    grads(f, (template.data.array, rng.normal(size=ds)), dtype)


@pytest.mark.parametrize("ds,dd", [(numpy.float32, numpy.float64),
                                   (numpy.float64, numpy.float16)])
def test_mixed_dtypes(rng, ds, dd):
    # As in Chainer: NumPy's result type; each gradient in its operand's dtype.
    s = _sparse(rng, (3, 4)).astype(ds)
    sp = to_coo(s, requires_grad=True)
    d = Variable(rng.normal(size=(4, 2)).astype(dd))
    y = F.sparse_matmul(sp, d)
    assert y.dtype == numpy.result_type(ds, dd)
    numpy.testing.assert_allclose(y.array, s @ d.array.astype(numpy.float64), rtol=1e-2,
                                  atol=1e-3)
    y.grad = numpy.ones(y.shape, y.dtype)
    y.backward()
    assert sp.data.grad.dtype == ds and d.grad.dtype == dd


def test_chainer_node_arguments(rng):
    # CooMatMul with Chainer's arguments, as Chainer's own tests build it.
    from rechain.functions.math import sparse_matmul as module
    s = _sparse(rng, (4, 3))
    sp = to_coo(s)
    b = rng.normal(size=(5, 4))
    node = module.CooMatMul(sp.row, sp.col, sp.shape, sp.order, transa=True, transb=True,
                            transc=True)
    c = node.apply((sp.data.array, b))[0]
    numpy.testing.assert_allclose(c.array, (s.T @ b.T).T, rtol=1e-13)


def test_gradient_reaches_only_the_entries(rng):
    s = _sparse(rng, (3, 4))
    sp = to_coo(s, ldnz=15, requires_grad=True)
    d = Variable(rng.normal(size=(4, 2)))
    y = F.sparse_matmul(sp, d)
    F.sum(y).backward()
    dense_grad = numpy.ones((3, 2)) @ d.array.T  # d sum(A @ D) / dA
    nnz = numpy.count_nonzero(s)
    numpy.testing.assert_allclose(sp.data.grad[:nnz], dense_grad[sp.row[:nnz], sp.col[:nnz]],
                                  rtol=1e-14)
    numpy.testing.assert_array_equal(sp.data.grad[nnz:], 0.0)  # padding slots
    numpy.testing.assert_allclose(d.grad, s.T @ numpy.ones((3, 2)), rtol=1e-14)


def test_forget_gives_plain_outputs_and_gradients(rng):
    template = to_coo(_sparse(rng, (3, 3)))
    x_data = rng.normal(size=(3, 3))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())

        def f(x):
            sp = CooMatrix(F.tanh(x)[template.row, template.col], template.row,
                           template.col, (3, 3))
            return F.sparse_matmul(sp, x * 2.0)
        y = F.forget(f, x) if use else f(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input(rng):
    sp = to_coo(_sparse(rng, (3, 4)))
    with pytest.raises(ValueError, match="sparse_matmul: exactly one operand must be a "
                                         "CooMatrix, got ndarray and ndarray"):
        F.sparse_matmul(numpy.ones((3, 4)), numpy.ones((4, 3)))
    with pytest.raises(rechain.InvalidType, match=r"sparse_matmul: the sparse operand \(as "
                                                  r"used\) has 4 columns but the dense one "
                                                  r"\(as used\) has 5 rows"):
        F.sparse_matmul(sp, numpy.ones((5, 2)))
    with pytest.raises(rechain.InvalidType, match=r"sparse_matmul: b must have 2 dimensions "
                                                  r"to go with a sparse matrix, got shape "
                                                  r"\(4,\)"):
        F.sparse_matmul(sp, numpy.ones(4))
    with pytest.raises(rechain.InvalidType, match=r"sparse_matmul: a must have 3 dimensions "
                                                  r"to go with a batch of sparse matrices"):
        F.sparse_matmul(numpy.ones((4, 3)), to_coo(numpy.ones((2, 3, 4))))
    with pytest.raises(rechain.InvalidType, match=r"sparse_matmul: the sparse operand \(as "
                                                  r"used\) has 3 rows but the dense one \(as "
                                                  r"used\) has 2 columns"):
        F.sparse_matmul(numpy.ones((4, 2)), sp)
    sb = to_coo(numpy.stack([_sparse(rng, (3, 4))] * 2))
    with pytest.raises(rechain.InvalidType, match="sparse_matmul: batch sizes differ: 2 "
                                                  "sparse matrices and 3 dense ones"):
        F.sparse_matmul(sb, numpy.ones((3, 4, 2)))

"""tensordot, einsum, linear_interpolate."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

# (a shape, b shape, axes)
TD = [((5, 3, 2), (3, 2, 4), 2), ((3, 4), (4, 5), 1), ((2, 3), (4, 5), 0),
      ((3, 4, 5), (5, 3, 2), ([0, 2], [1, 0])), ((2, 3, 4), (4, 3, 2), ((2, 1, 0), (0, 1, 2))),
      ((3, 4), (3, 4), ([1, 0], [1, 0])), ((4, 2), (3, 4), (0, 1))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb,axes", TD)
def test_tensordot_forward(rng, sa, sb, axes, dtype):
    a, b = rng.normal(size=sa).astype(dtype), rng.normal(size=sb).astype(dtype)
    y = F.tensordot(a, b, axes)
    want = numpy.tensordot(a, b, axes)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("sa,sb,axes", TD)
def test_tensordot_grads(rng, grads, sa, sb, axes, dtype):
    grads(lambda a, b: F.tensordot(a, b, axes), (rng.normal(size=sa), rng.normal(size=sb)),
          dtype)


def test_tensordot_bad_input():
    a, b = numpy.ones((2, 3)), numpy.ones((4, 5))
    with pytest.raises(rechain.InvalidType, match=r"tensordot: axis 1 of a \(shape \(2, 3\)\) "
                                                  r"has length 3 but the paired axis 0 of b "
                                                  r"\(shape \(4, 5\)\) has 4"):
        F.tensordot(a, b, 1)
    with pytest.raises(rechain.InvalidType, match=r"tensordot: axes=3 must be in \[0, 2\]"):
        F.tensordot(a, b, 3)
    with pytest.raises(rechain.InvalidType, match="tensordot: axes pairs 2 axes of a with 1"):
        F.tensordot(a, b, ([0, 1], [0]))
    with pytest.raises(rechain.InvalidType, match=r"tensordot: axes \(of a\)=2 is out of range"):
        F.tensordot(a, b, ([2], [0]))
    with pytest.raises(rechain.InvalidType, match="tensordot: b must have a floating"):
        F.tensordot(a, numpy.ones((3, 2), numpy.int32), 1)
    with pytest.raises(rechain.InvalidType, match="tensordot: axes must be an int or a pair"):
        F.tensordot(a, b, "x")
    with pytest.raises(ValueError, match=r"tensordot: axes must be an int or a pair of "
                                         r"sequences of ints, got \(\(\), \(\), \(\)\)"):
        F.tensordot(a, b, ((), (), ()))


@pytest.mark.parametrize("da,db", [(numpy.float32, numpy.float64), (numpy.float16,
                                                                   numpy.float32)])
def test_tensordot_mixed_dtypes(rng, da, db):
    # As in Chainer: NumPy's result type; each gradient in its operand's dtype.
    a = Variable(rng.normal(size=(3, 4)).astype(da))
    b = Variable(rng.normal(size=(4, 2)).astype(db))
    c = F.tensordot(a, b, 1)
    assert c.dtype == numpy.result_type(da, db)
    numpy.testing.assert_allclose(c.array, a.array.astype(numpy.float64) @ b.array, rtol=1e-2)
    c.grad = numpy.ones(c.shape, c.dtype)
    c.backward()
    assert a.grad.dtype == da and b.grad.dtype == db
    numpy.testing.assert_allclose(a.grad, numpy.ones((3, 2)) @ b.array.T, rtol=1e-2)
    numpy.testing.assert_allclose(b.grad, a.array.T @ numpy.ones((3, 2)), rtol=1e-2)


# ---------------------------------------------------------------- einsum

# (subscripts, operand shapes)
EIN = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->i", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i", [(3,), (3,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,ik,jkl->il", [(3, 4), (3, 5), (4, 5, 6)]),
    ("...ij,...jk->...ik", [(2, 5, 3, 4), (2, 5, 4, 2)]),
    ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...j,...k,jkl", [(3, 4), (3, 5), (4, 5, 2)]),
    ("...i->...", [(2, 3, 4)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 3)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("spec,shapes", EIN)
def test_einsum_forward(rng, spec, shapes, dtype):
    xs = [rng.normal(size=s).astype(dtype) for s in shapes]
    y = F.einsum(spec, *xs)
    want = numpy.einsum(spec, *xs)
    assert y.dtype == dtype and y.shape == numpy.shape(want)
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("spec,shapes", EIN)
def test_einsum_grads(rng, grads, spec, shapes, dtype):
    grads(lambda *xs: F.einsum(spec, *xs), [rng.normal(size=s) for s in shapes], dtype)


def test_einsum_gradient_values():
    # trace: gradient is the identity; diagonal with a summed-out letter.
    a = Variable(numpy.arange(9.0).reshape(3, 3))
    F.einsum("ii", a).backward()
    numpy.testing.assert_array_equal(a.grad, numpy.eye(3))
    b = Variable(numpy.ones((2, 3, 3)))
    y = F.einsum("kii->i", b)
    y.grad = numpy.array([1.0, 2.0, 3.0])
    y.backward()
    numpy.testing.assert_array_equal(b.grad, numpy.broadcast_to(numpy.diag([1.0, 2.0, 3.0]),
                                                                (2, 3, 3)))


def test_einsum_mixed_dtypes(rng):
    a = Variable(rng.normal(size=(2, 3)).astype(numpy.float32))
    b = Variable(rng.normal(size=(3, 4)))
    y = F.einsum("ij,jk->ik", a, b)
    assert y.dtype == numpy.float64
    numpy.testing.assert_allclose(y.array, a.array @ b.array, rtol=1e-6)
    y.grad = numpy.ones((2, 4))
    y.backward()
    assert a.grad.dtype == numpy.float32 and b.grad.dtype == numpy.float64
    numpy.testing.assert_allclose(a.grad, numpy.ones((2, 4)) @ b.array.T, rtol=1e-6)


def test_diag_einsum_node(rng):
    # Chainer's DiagEinSum: output letters no input has, and repeated ones.
    from rechain.functions.math import einsum as einsum_module
    x = rng.normal(size=(3,))
    y = einsum_module.DiagEinSum("i", "ij", (3, 4)).apply((x,))[0]
    numpy.testing.assert_array_equal(y.array, numpy.broadcast_to(x[:, None], (3, 4)))
    d = einsum_module.DiagEinSum("i", "ii", (3, 3)).apply((x,))[0]
    numpy.testing.assert_array_equal(d.array, numpy.diag(x))
    z = einsum_module.DiagEinSum(",i", "ij", (2, 5)).apply((numpy.array(2.0),
                                                            numpy.ones(2)))[0]
    numpy.testing.assert_array_equal(z.array, numpy.full((2, 5), 2.0))


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_diag_einsum_grads(rng, grads, dtype):
    from rechain.functions.math import einsum as einsum_module

    def f(x, w):
        return einsum_module.DiagEinSum("i,ij", "iik", (3, 3, 2)).apply((x, w))[0]
    grads(f, (rng.normal(size=(3,)), rng.normal(size=(3, 4))), dtype)


def test_einsum_sublist_form(rng):
    x1, x2 = rng.normal(size=(3, 4)), rng.normal(size=(3, 5))
    w = rng.normal(size=(4, 5, 6))
    want = numpy.einsum("ij,ik,jkl->il", x1, x2, w)
    numpy.testing.assert_allclose(F.einsum(x1, [0, 1], x2, [0, 2], w, [1, 2, 3], [0, 3]).array,
                                  want, rtol=1e-12)
    numpy.testing.assert_allclose(F.einsum(x1, [Ellipsis, 1], x2, [Ellipsis, 2], w,
                                           [1, 2, 3]).array, want, rtol=1e-12)


def test_einsum_bad_input():
    a = numpy.ones((2, 3))
    with pytest.raises(rechain.InvalidType, match="einsum: the subscripts name 2 operands but "
                                                  "1 were given"):
        F.einsum("ij,jk->ik", a)
    with pytest.raises(rechain.InvalidType, match=r"einsum: operand 0 has shape \(2, 3\) but "
                                                  r"its subscripts 'ijk' name 3 axes"):
        F.einsum("ijk->i", a)
    with pytest.raises(rechain.InvalidType, match=r"einsum: subscript 'j' has length 3 in "
                                                  r"operand 0 but 4 in operand 1 \(shape "
                                                  r"\(4, 2\)\)"):
        F.einsum("ij,jk->ik", a, numpy.ones((4, 2)))
    with pytest.raises(ValueError, match="einsum: output subscript 'k' is not in any operand"):
        F.einsum("ij->k", a)
    with pytest.raises(ValueError, match="einsum: output subscript 'i' appears more than once"):
        F.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="einsum: invalid subscript '1' for operand 0"):
        F.einsum("i1->i", a)
    with pytest.raises(rechain.InvalidType, match=r"einsum: subscript 'i' has length 2 in "
                                                  r"operand 0 but 1 in operand 1 \(shape "
                                                  r"\(1, 3\)\); operands are not broadcast"):
        F.einsum("ij,ij->ij", a, numpy.ones((1, 3)))
    with pytest.raises(rechain.InvalidType, match=r"einsum: '...' stands for axes \(\) in "
                                                  r"operand 0 but \(1,\) in operand 1"):
        F.einsum("...i,...i", numpy.ones(2), numpy.ones((1, 2)))
    with pytest.raises(ValueError, match=r"einsum: the output 'i' leaves out '...', which "
                                         r"stands for 2 axes; summing over '...' is not "
                                         r"supported"):
        F.einsum("i...->i", numpy.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"einsum: the output '...' has '...' but no operand"):
        F.einsum("i,i->...", numpy.ones(2), numpy.ones(2))
    with pytest.raises(rechain.InvalidType, match="einsum: operand 0 must have a floating"):
        F.einsum("ij", numpy.ones((2, 2), numpy.int32))
    with pytest.raises(TypeError, match="einsum: no subscripts and no operands given"):
        F.einsum()


# ---------------------------------------------------------------- linear_interpolate

@pytest.mark.parametrize("dtype", DTYPES)
def test_linear_interpolate_forward(rng, dtype):
    p, x, y = (rng.uniform(0, 1, (3, 4)).astype(dtype) for _ in range(3))
    z = F.linear_interpolate(p, x, y)
    assert z.dtype == dtype
    numpy.testing.assert_allclose(z.array, p * x + (1 - p) * y, rtol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_linear_interpolate_grads(rng, grads, dtype):
    grads(F.linear_interpolate, [rng.uniform(0, 1, (3, 4)) for _ in range(3)], dtype)


def test_linear_interpolate_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"linear_interpolate: p and y must have the "
                                                  r"same shape, got \(2,\) and \(3,\)"):
        F.linear_interpolate(numpy.ones(2), numpy.ones(2), numpy.ones(3))
    with pytest.raises(rechain.InvalidType, match="linear_interpolate: p and x must have the "
                                                  "same dtype, got float64 and float32"):
        F.linear_interpolate(numpy.ones(2), numpy.ones(2, numpy.float32), numpy.ones(2))


# ---------------------------------------------------------------- forget

CALLS = {
    "tensordot": lambda x: F.tensordot(F.tanh(x), x, ([0], [1])),
    "einsum_matmul": lambda x: F.einsum("ij,jk->ik", F.tanh(x), x),
    "einsum_diag": lambda x: F.einsum("ii,ij->j", x * x, F.sin(x)),
    "linear_interpolate": lambda x: F.linear_interpolate(F.sigmoid(x), x * x, F.tanh(x)),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_forget_gives_plain_outputs_and_gradients(rng, name):
    x_data = rng.normal(size=(3, 3))
    out = []
    for use in (False, True):
        x = Variable(x_data.copy())
        y = F.forget(CALLS[name], x) if use else CALLS[name](x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)

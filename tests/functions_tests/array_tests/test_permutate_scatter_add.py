import numpy
import pytest

import rechain
import rechain.functions as F


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("inv", [False, True])
def test_permutate_forward(axis, inv, dtype, rng):
    x = rng.normal(size=(3, 4, 5)).astype(dtype)
    n = x.shape[axis]
    idx = rng.permutation(n).astype(numpy.int32)
    y = F.permutate(x, idx, axis=axis, inv=inv)
    want = numpy.take(x, numpy.argsort(idx) if inv else idx, axis=axis)
    numpy.testing.assert_array_equal(y.array, want)
    # inv undoes the forward permutation
    back = F.permutate(F.permutate(x, idx, axis), idx, axis, inv=True)
    numpy.testing.assert_array_equal(back.array, x)


@pytest.mark.parametrize("inv", [False, True])
def test_permutate_gradients(check_grads, rng, inv):
    x = rng.normal(size=(4, 3))
    idx = numpy.array([2, 0, 3, 1])
    check_grads(lambda x: F.permutate(x, idx, axis=0, inv=inv), (x,))
    check_grads(lambda x: F.permutate(x, rechain.Variable(numpy.array([2, 0, 1])), axis=1), (x,))


@pytest.mark.parametrize("slices,bshape", [
    ([0, 0, 2], (3, 4)),
    ((slice(None), [1, 1, 3]), (3, 3)),
    ((Ellipsis, 2), (3,)),
    ((numpy.array([[0, 2], [2, 2]]), slice(1, 3)), (2, 2, 2)),
    (1, (4,)),
])
def test_scatter_add_forward(slices, bshape, dtype, rng):
    a = rng.normal(size=(3, 4)).astype(dtype)
    b = rng.normal(size=bshape).astype(dtype)
    want = a.copy()
    numpy.add.at(want, slices if not isinstance(slices, list) else (slices,), b)
    y = F.scatter_add(a, slices, b)
    assert y.dtype == dtype and y.shape == a.shape
    numpy.testing.assert_allclose(y.array, want, rtol=1e-6)


def test_scatter_add_repeated_indices_accumulate():
    y = F.scatter_add(numpy.zeros(3), [0, 0, 2], numpy.array([1.0, 2.0, 4.0]))
    numpy.testing.assert_array_equal(y.array, [3.0, 0.0, 4.0])


def test_scatter_add_gradients(check_grads, rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 3))
    check_grads(lambda a, b: F.scatter_add(a, (slice(None), [1, 1, 3]), b), (a, b))
    check_grads(lambda a, b: F.scatter_add(a, [2, 0, 2], b), (a, rng.normal(size=(3, 4))))


def test_forget_gives_plain_outputs_and_gradients(rng):
    a_data, b_data = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    idx = numpy.array([1, 2, 0])
    out = []
    for use in (False, True):
        a, b = rechain.Variable(a_data.copy()), rechain.Variable(b_data.copy())
        def g(a, b):
            return F.tanh(F.permutate(F.scatter_add(a * a, [0, 0], F.sin(b)), idx))
        y = F.forget(g, a, b) if use else g(a, b)
        F.sum(y * y).backward()
        out.append((y.array, a.grad, b.grad))
    for u, v in zip(*out):
        numpy.testing.assert_array_equal(u, v)


def test_bad_input():
    x = numpy.zeros((3, 4))
    with pytest.raises(ValueError, match=r"permutate: indices \[0, 0, 1\] is not a permutation "
                                         r"of range\(3\) \(axis 0 of x of shape \(3, 4\)\)"):
        F.permutate(x, numpy.array([0, 0, 1]))
    with pytest.raises(ValueError, match=r"permutate: indices must be a 1-d integer array, got "
                                         r"float64 of shape \(3,\)"):
        F.permutate(x, numpy.array([0.0, 1.0, 2.0]))
    with pytest.raises(rechain.InvalidType, match=r"permutate: axis=2 is out of range"):
        F.permutate(x, numpy.arange(3), axis=2)
    with pytest.raises(rechain.InvalidType, match=r"scatter_add: b must have the shape of "
                                                   r"a\[slices\], \(4,\), got \(1,\) "
                                                   r"\(a \(3, 4\)\)"):
        F.scatter_add(x, 0, numpy.zeros(1))
    with pytest.raises(IndexError, match=r"scatter_add: slices \(5,\) do not index a of shape "
                                         r"\(3, 4\)"):
        F.scatter_add(x, 5, numpy.zeros(4))
    with pytest.raises(rechain.InvalidType, match="scatter_add: a and b must have the same "
                                                   "dtype, got float64 and float32"):
        F.scatter_add(x, 0, numpy.zeros(4, numpy.float32))

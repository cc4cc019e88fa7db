import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), None), ((3,), None), ((2, 3), None), ((2, 3), (0, 1)),
         ((2, 3, 4), (1, 2, 0)), ((2, 3, 4), (-1, 0, 1))]


@pytest.mark.parametrize("shape,axes", CASES)
def test_forward(shape, axes, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.transpose(x, axes)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.transpose(x, axes))


@pytest.mark.parametrize("shape,axes", CASES)
def test_grads(shape, axes, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.transpose(x, axes), x)


def test_variable_methods(rng):
    a = rng.standard_normal((2, 3, 4))
    x = rechain.Variable(a)
    numpy.testing.assert_array_equal(x.T.array, a.T)
    numpy.testing.assert_array_equal(x.transpose().array, a.T)
    numpy.testing.assert_array_equal(x.transpose(1, 0, 2).array, a.transpose(1, 0, 2))
    numpy.testing.assert_array_equal(x.transpose((2, 0, 1)).array, a.transpose(2, 0, 1))


def test_gradient_is_inverse_permutation(rng):
    a = rng.standard_normal((2, 3, 4))
    x = rechain.Variable(a)
    y = F.transpose(x, (1, 2, 0))
    gy = rng.standard_normal(y.shape)
    y.grad = gy
    y.backward()
    numpy.testing.assert_array_equal(x.grad, gy.transpose(2, 0, 1))


def test_bad_axes_length():
    x = numpy.zeros((2, 3, 4), numpy.float32)
    with pytest.raises(rechain.InvalidType,
                       match=r"transpose: axes \(1, 0\) has length 2 but x of shape "
                             r"\(2, 3, 4\) has 3 dimensions"):
        F.transpose(x, (1, 0))


def test_bad_axes_not_permutation():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"transpose: axes \(0, -2\) is not a "
                                                  r"permutation .*\(2, 3\)"):
        F.transpose(x, (0, -2))
    with pytest.raises(rechain.InvalidType, match=r"transpose: axes=2 is out of range "
                                                  r"for x of shape \(2, 3\)"):
        F.transpose(x, (0, 2))


@pytest.mark.parametrize("shape", [(), (3,)])
def test_identity_permutation_is_a_new_variable(shape):
    x = rechain.Variable(numpy.ones(shape, numpy.float32))
    y = x.T
    assert y is not x and y.creator is not None
    y.grad = numpy.full(shape, 2.0, numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.full(shape, 2.0))

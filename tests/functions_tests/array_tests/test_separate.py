import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((3,), 0), ((2, 3), 0), ((2, 3), 1), ((2, 3, 2), -1), ((1, 2), 0)]


@pytest.mark.parametrize("shape,axis", CASES)
def test_forward(shape, axis, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    ys = F.separate(x, axis)
    assert isinstance(ys, tuple) and len(ys) == x.shape[axis]
    for i, y in enumerate(ys):
        assert y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, numpy.take(x, i, axis))


@pytest.mark.parametrize("shape,axis", CASES)
def test_grads(shape, axis, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.separate(x, axis), x)


def test_inverse_of_stack(rng):
    a = rng.standard_normal((2, 3))
    numpy.testing.assert_array_equal(F.stack(F.separate(a, 1), 1).array, a)


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"separate: x is zero-dimensional "
                                                  r"\(shape \(\)\)"):
        F.separate(numpy.zeros(()))
    with pytest.raises(rechain.InvalidType, match=r"separate: axis=2 is out of range for x "
                                                  r"of shape \(2, 3\)"):
        F.separate(numpy.zeros((2, 3)), 2)

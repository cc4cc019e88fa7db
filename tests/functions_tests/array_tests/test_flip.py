import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), None), ((3,), 0), ((3,), None), ((2, 3), 1), ((2, 3), -2), ((2, 3, 2), (0, 2))]


@pytest.mark.parametrize("shape,axis", CASES)
def test_forward(shape, axis, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.flip(x, axis)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.flip(x, axis))


@pytest.mark.parametrize("shape,axis", CASES)
def test_grads(shape, axis, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.flip(x, axis), x)


def test_axis_out_of_range():
    with pytest.raises(rechain.InvalidType,
                       match=r"flip: axis=2 is out of range for x of shape \(2, 3\)"):
        F.flip(numpy.zeros((2, 3)), 2)

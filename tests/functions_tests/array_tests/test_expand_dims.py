import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), 0), ((), -1), ((3,), 0), ((3,), 1), ((2, 3), 1), ((2, 3), -1), ((2, 3), -3)]


@pytest.mark.parametrize("shape,axis", CASES)
def test_forward(shape, axis, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.expand_dims(x, axis)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.expand_dims(x, axis))


@pytest.mark.parametrize("shape,axis", CASES)
def test_grads(shape, axis, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.expand_dims(x, axis), x)


def test_axis_out_of_range():
    with pytest.raises(rechain.InvalidType,
                       match=r"expand_dims: axis=3 is out of range for x of shape \(2, 3\)"):
        F.expand_dims(numpy.zeros((2, 3), numpy.float32), 3)

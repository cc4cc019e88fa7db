import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((1,), None), ((1, 1), None), ((2, 1, 3, 1), None), ((2, 1, 3, 1), 1),
         ((2, 1, 3, 1), (1, -1)), ((1, 3), 0), ((2, 3), None)]


@pytest.mark.parametrize("shape,axis", CASES)
def test_forward(shape, axis, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.squeeze(x, axis)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.squeeze(x, axis))


@pytest.mark.parametrize("shape,axis", CASES)
def test_grads(shape, axis, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.squeeze(x, axis), x)


def test_squeeze_axis_longer_than_one():
    x = numpy.zeros((2, 1, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType,
                       match=r"squeeze: cannot remove axis 2 of x of shape \(2, 1, 3\): "
                             r"its length is 3, not 1"):
        F.squeeze(x, (1, 2))


def test_squeeze_axis_out_of_range():
    with pytest.raises(rechain.InvalidType,
                       match=r"squeeze: axis=2 is out of range for x of shape \(1, 1\)"):
        F.squeeze(numpy.zeros((1, 1), numpy.float32), 2)

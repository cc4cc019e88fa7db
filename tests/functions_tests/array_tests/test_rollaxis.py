import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((2, 3, 4), 2, 0), ((2, 3, 4), 0, 3), ((2, 3, 4), 1, 1), ((2, 3, 4), -1, -2),
         ((2, 3), 1, 0), ((2, 3, 4), 0, -1), ((2, 3, 4), 2, -3)]


@pytest.mark.parametrize("shape,axis,start", CASES)
def test_forward(shape, axis, start, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.rollaxis(x, axis, start)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.rollaxis(x, axis, start))


@pytest.mark.parametrize("shape,axis,start", CASES)
def test_grads(shape, axis, start, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.rollaxis(x, axis, start), x)


def test_out_of_range():
    x = numpy.zeros((2, 3))
    with pytest.raises(rechain.InvalidType, match=r"rollaxis: start=-3 is out of range for x "
                                                  r"of shape \(2, 3\)"):
        F.rollaxis(x, 0, -3)
    with pytest.raises(rechain.InvalidType, match=r"rollaxis: axis=-3 is out of range for "
                                                  r"x of shape \(2, 3\)"):
        F.rollaxis(x, -3)

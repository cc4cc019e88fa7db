import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((2, 3), 0, 1), ((2, 3, 4), 0, 2), ((2, 3, 4), -1, 1), ((3, 2), 1, 1)]


@pytest.mark.parametrize("shape,a1,a2", CASES)
def test_forward(shape, a1, a2, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.swapaxes(x, a1, a2)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.swapaxes(x, a1, a2))


@pytest.mark.parametrize("shape,a1,a2", CASES)
def test_grads(shape, a1, a2, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.swapaxes(x, a1, a2), x)


@pytest.mark.parametrize("a1,a2,name", [(3, 0, "axis1"), (0, -4, "axis2")])
def test_axis_out_of_range(a1, a2, name):
    x = numpy.zeros((2, 3, 4), numpy.float32)
    bad = a1 if name == "axis1" else a2
    with pytest.raises(rechain.InvalidType,
                       match=rf"swapaxes: {name}={bad} is out of range for x of shape "
                             rf"\(2, 3, 4\)"):
        F.swapaxes(x, a1, a2)


def test_axis_not_int():
    with pytest.raises(TypeError, match="swapaxes: axis1 must be an int, not float"):
        F.swapaxes(numpy.zeros((2, 3)), 0.0, 1)

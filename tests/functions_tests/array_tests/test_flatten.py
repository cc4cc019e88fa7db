import numpy
import pytest

import rechain.functions as F

SHAPES = [(), (3,), (2, 3), (2, 1, 3)]


@pytest.mark.parametrize("shape", SHAPES)
def test_forward(shape, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.flatten(x)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, x.flatten())


@pytest.mark.parametrize("shape", SHAPES)
def test_grads(shape, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(F.flatten, x)


def test_flatten_non_array():
    with pytest.raises(TypeError, match="flatten: x must be a Variable or an ndarray, not list"):
        F.flatten([1.0, 2.0])

import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((2, 3, 4), 0, -1), ((2, 3, 4), -1, 0), ((2, 3, 4), (0, 1), (2, 0)),
         ((2, 3, 4), (2, 0), (0, 1)), ((2, 3), 0, 0)]


@pytest.mark.parametrize("shape,src,dst", CASES)
def test_forward(shape, src, dst, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.moveaxis(x, src, dst)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.moveaxis(x, src, dst))


@pytest.mark.parametrize("shape,src,dst", CASES)
def test_grads(shape, src, dst, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.moveaxis(x, src, dst), x)


def test_bad_axes():
    x = numpy.zeros((2, 3, 4))
    with pytest.raises(rechain.InvalidType, match=r"moveaxis: source \(0, 1\) and "
                                                  r"destination 2 must have the same number "
                                                  r"of axes \(x shape \(2, 3, 4\)\)"):
        F.moveaxis(x, (0, 1), 2)
    with pytest.raises(rechain.InvalidType, match=r"moveaxis: destination=3 is out of range "
                                                  r"for x of shape \(2, 3, 4\)"):
        F.moveaxis(x, 0, 3)
    with pytest.raises(rechain.InvalidType, match=r"moveaxis: source=\(1, -2\) repeats an "
                                                  r"axis \(x shape \(2, 3, 4\)\)"):
        F.moveaxis(x, (1, -2), (0, 1))

import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [[()], [(), ()], [(2,), (3,)], [(2, 1), (2, 3)], [(2, 1, 2), (2, 2, 2)]]


@pytest.mark.parametrize("shapes", CASES)
def test_forward(shapes, dtype, rng):
    xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    y = F.hstack(xs)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.hstack(xs))


@pytest.mark.parametrize("shapes", CASES)
def test_grads(shapes, dtype, rng, check_grads):
    xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    check_grads(lambda *xs: F.hstack(xs), xs)


def test_mismatched_shapes():
    xs = [numpy.zeros((2, 1)), numpy.zeros((3, 1))]
    with pytest.raises(rechain.InvalidType, match=r"hstack: xs\[1\] \(2nd input\) of shape "
                                                  r"\(3, 1\) does not match xs\[0\] of "
                                                  r"shape \(2, 1\)"):
        F.hstack(xs)

import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [[()], [(), ()], [(3,), (3,)], [(3,), (2, 3)], [(2, 3), (1, 3)],
         [(1, 2, 2), (2, 2, 2)]]


@pytest.mark.parametrize("shapes", CASES)
def test_forward(shapes, dtype, rng):
    xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    y = F.vstack(xs)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.vstack(xs))


@pytest.mark.parametrize("shapes", CASES)
def test_grads(shapes, dtype, rng, check_grads):
    xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    check_grads(lambda *xs: F.vstack(xs), xs)


def test_mismatched_shapes():
    xs = [numpy.zeros((3,)), numpy.zeros((2, 2))]
    with pytest.raises(rechain.InvalidType, match=r"vstack: xs\[1\] \(2nd input\) of shape "
                                                  r"\(2, 2\) does not match xs\[0\] of "
                                                  r"shape \(1, 3\)"):
        F.vstack(xs)

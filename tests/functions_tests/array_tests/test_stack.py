import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), 1, 0), ((), 3, -1), ((3,), 2, 0), ((3,), 2, 1), ((2, 3), 3, 1),
         ((2, 3), 2, -1), ((2, 3), 1, 2)]


@pytest.mark.parametrize("shape,n,axis", CASES)
def test_forward(shape, n, axis, dtype, rng):
    xs = [rng.standard_normal(shape).astype(dtype) for _ in range(n)]
    y = F.stack(xs, axis)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.stack(xs, axis))


@pytest.mark.parametrize("shape,n,axis", CASES)
def test_grads(shape, n, axis, dtype, rng, check_grads):
    xs = [rng.standard_normal(shape).astype(dtype) for _ in range(n)]
    check_grads(lambda *xs: F.stack(xs, axis), xs)


def test_different_shapes():
    xs = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((2, 4), numpy.float32)]
    with pytest.raises(rechain.InvalidType,
                       match=r"stack: xs\[1\] \(2nd input\) of shape \(2, 4\) differs from "
                             r"xs\[0\] of shape \(2, 3\)"):
        F.stack(xs)


def test_axis_out_of_range():
    with pytest.raises(rechain.InvalidType,
                       match=r"stack: axis=3 is out of range for xs\[0\] of shape \(2, 3\)"):
        F.stack([numpy.zeros((2, 3))], axis=3)

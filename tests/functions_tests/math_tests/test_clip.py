"""clip."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]
BOUNDS = [(-0.5, 0.5), (None, 0.3), (-0.2, None), (0, 1)]


def _draw(rng, shape, dtype, lo, hi):
    """Inputs in [-1, 1] kept at least 0.05 away from the bounds (kinks)."""
    x = numpy.asarray(rng.uniform(-1.0, 1.0, size=shape))
    for b in (lo, hi):
        if b is not None:
            near = numpy.abs(x - b) < 0.05
            x = numpy.where(near, x + 0.1, x)
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (7,), (3, 4)])
@pytest.mark.parametrize("lo,hi", BOUNDS)
class TestClip:
    def test_forward(self, rng, shape, lo, hi, dtype):
        x = _draw(rng, shape, dtype, lo, hi)
        y = F.clip(x, lo, hi)
        assert y.dtype == dtype and y.shape == shape
        numpy.testing.assert_array_equal(y.array, numpy.clip(x, lo, hi))

    def test_gradient_is_zero_outside(self, rng, shape, lo, hi, dtype):
        x = Variable(_draw(rng, shape, dtype, lo, hi))
        y = F.clip(x, lo, hi)
        y.grad = numpy.full(shape, 3.0, dtype)
        y.backward()
        inside = numpy.ones(shape, bool)
        if lo is not None:
            inside &= x.array >= lo
        if hi is not None:
            inside &= x.array <= hi
        numpy.testing.assert_array_equal(x.grad, numpy.where(inside, 3.0, 0.0))
        assert x.grad.dtype == dtype

    def test_grads(self, rng, grads, shape, lo, hi, dtype):
        grads(lambda v: F.clip(v, lo, hi), (_draw(rng, shape, dtype, lo, hi),), dtype)


def test_gradient_passes_at_the_bounds():
    x = Variable(numpy.array([-1.0, 0.0, 1.0, 2.0], numpy.float32))
    F.sum(F.clip(x, 0.0, 1.0)).backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize("lo,hi", [(1.0, -1.0), (0.5, 0.5)])
def test_min_not_below_max(lo, hi):
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"clip: x_min must be less than x_max, got x_min={lo} and x_max={hi} "
            f"(x shape (2, 3))")):
        F.clip(x, lo, hi)


def test_no_bound():
    with pytest.raises(ValueError, match=r"clip: at least one of x_min and x_max"):
        F.clip(numpy.zeros((2,), numpy.float32), None, None)


def test_bound_of_wrong_type():
    with pytest.raises(TypeError, match=r"clip: x_max must be a real number or None, not str"):
        F.clip(numpy.zeros((2,), numpy.float32), 0.0, "1")


def test_integer_input():
    with pytest.raises(rechain.InvalidType, match=re.escape(
            "clip: x must have a floating-point dtype, got int64 (shape (3,))")):
        F.clip(numpy.arange(3, dtype=numpy.int64), 0.0, 1.0)

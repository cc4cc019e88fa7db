import numpy
import pytest

import rechain
import rechain.functions as F

CASES = [((), 3), ((), (2, 2)), ((3,), 2), ((3,), (2, 1)), ((2, 3), (1, 2)),
         ((2, 3), 2), ((2, 1, 3), (2, 1, 1, 2)), ((2, 3), (0, 1))]


@pytest.mark.parametrize("shape,reps", CASES)
def test_forward(shape, reps, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = F.tile(x, reps)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, numpy.tile(x, reps))


@pytest.mark.parametrize("shape,reps", CASES)
def test_grads(shape, reps, dtype, rng, check_grads):
    x = rng.standard_normal(shape).astype(dtype)
    check_grads(lambda x: F.tile(x, reps), x)


def test_gradient_counts_copies():
    x = rechain.Variable(numpy.ones((2,), numpy.float32))
    F.sum(F.tile(x, (3, 2))).backward()
    numpy.testing.assert_array_equal(x.grad, [6, 6])


def test_bad_reps():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(ValueError, match=r"tile: reps \(2, -1\) must be non-negative "
                                         r"\(x shape \(2, 3\)\)"):
        F.tile(x, (2, -1))
    with pytest.raises(TypeError, match=r"tile: reps\[0\] must be an int, not float"):
        F.tile(x, (2.0,))

"""reshape (core array op exercised by the math family)."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

CASES = [
    ((2, 3), (3, 2)),
    ((2, 3), (6,)),
    ((2, 3), (-1,)),
    ((2, 3, 4), (4, -1)),
    ((2, 3, 4), (-1, 3, 2)),
    ((), (1, 1)),
    ((1,), ()),
    ((6,), 6),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,new", CASES)
class TestReshape:
    def test_forward(self, rng, shape, new, dtype):
        x = numpy.asarray(rng.normal(size=shape)).astype(dtype)
        y = F.reshape(x, new)
        assert y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, x.reshape(new))

    def test_method(self, rng, shape, new, dtype):
        x = Variable(numpy.asarray(rng.normal(size=shape)).astype(dtype))
        expected = x.array.reshape(new)
        if isinstance(new, tuple) and len(new) > 1:
            assert x.reshape(*new).shape == expected.shape
        assert x.reshape(new).shape == expected.shape

    def test_grads(self, rng, grads, shape, new, dtype):
        grads(lambda v: F.reshape(v, new), (rng.normal(size=shape),), dtype)


def test_reshape_gradient_values():
    x = Variable(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    y = F.reshape(x, (3, 2))
    y.grad = numpy.arange(6, dtype=numpy.float32).reshape(3, 2) * 10
    y.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.arange(6).reshape(2, 3) * 10)


@pytest.mark.parametrize("shape,new", [((2, 3), (4,)), ((2, 3), (4, -1)), ((2, 3), (0, -1)),
                                       ((2, 3), (5, 2))])
def test_reshape_incompatible_size(shape, new):
    x = Variable(numpy.ones(shape, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"reshape: cannot reshape an input of shape {shape} (size 6) into shape {new}")):
        F.reshape(x, new)


@pytest.mark.parametrize("new", [(-1, -1), (2, -3)])
def test_reshape_bad_negative_entries(new):
    with pytest.raises(rechain.InvalidType, match=re.escape(f"reshape: shape {new} may contain")):
        F.reshape(numpy.ones((2, 3), numpy.float32), new)

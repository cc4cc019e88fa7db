"""broadcast_to, sum_to, broadcast (core array ops exercised by the math family)."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]

# (input shape, broadcast shape)
PAIRS = [
    ((), (3,)),
    ((), ()),
    ((1,), (4,)),
    ((3,), (2, 3)),
    ((2, 1), (2, 3)),
    ((1, 3, 1), (2, 3, 4)),
    ((3, 1), (2, 3, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("small,big", PAIRS)
class TestBroadcastToSumTo:
    def test_broadcast_to_forward(self, rng, small, big, dtype):
        x = numpy.asarray(rng.normal(size=small)).astype(dtype)
        y = F.broadcast_to(x, big)
        assert isinstance(y, Variable) and y.dtype == dtype
        numpy.testing.assert_array_equal(y.array, numpy.broadcast_to(x, big))

    def test_sum_to_forward(self, rng, small, big, dtype):
        x = numpy.asarray(rng.normal(size=big)).astype(dtype)
        y = F.sum_to(x, small)
        assert y.shape == small and y.dtype == dtype
        lead = len(big) - len(small)
        axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(small)
                                          if s == 1 and big[i + lead] != 1)
        expected = x.astype(numpy.float64).sum(axis=axes, keepdims=True).reshape(small)
        numpy.testing.assert_allclose(y.array, expected, rtol=1e-5)

    def test_broadcast_to_grads(self, rng, grads, small, big, dtype):
        grads(lambda v: F.broadcast_to(v, big), (rng.normal(size=small),), dtype)

    def test_sum_to_grads(self, rng, grads, small, big, dtype):
        grads(lambda v: F.sum_to(v, small), (rng.normal(size=big),), dtype)


def test_broadcast_to_gradient_sums():
    x = Variable(numpy.array([[1.0], [2.0]], numpy.float32))
    y = F.broadcast_to(x, (3, 2, 4))
    y.grad = numpy.ones((3, 2, 4), numpy.float32)
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[12.0], [12.0]])


def test_broadcast_several():
    a = Variable(numpy.ones((2, 1), numpy.float32))
    b = Variable(numpy.ones((3,), numpy.float32))
    ya, yb = F.broadcast(a, b)
    assert ya.shape == yb.shape == (2, 3)
    assert F.broadcast(a).shape == (2, 1)


def test_broadcast_to_same_shape_is_identity():
    x = Variable(numpy.ones((2, 3), numpy.float32))
    assert F.broadcast_to(x, (2, 3)) is x
    assert F.sum_to(x, (2, 3)) is x


@pytest.mark.parametrize("small,big", [((2,), (3,)), ((3, 2), (2, 3)), ((2, 3), (3,))])
def test_broadcast_to_incompatible(small, big):
    x = Variable(numpy.ones(small, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"broadcast_to: x of shape {small} cannot be broadcast to shape {big}")):
        F.broadcast_to(x, big)


@pytest.mark.parametrize("big,small", [((2, 3), (3, 3)), ((3,), (2, 3)), ((2, 3), (2,))])
def test_sum_to_incompatible(big, small):
    x = Variable(numpy.ones(big, numpy.float32))
    with pytest.raises(rechain.InvalidType, match=re.escape(
            f"sum_to: x of shape {big} cannot be summed to shape {small}")):
        F.sum_to(x, small)


def test_broadcast_incompatible_names_every_argument():
    with pytest.raises(rechain.InvalidType,
                       match=r"broadcast: .*args\[0\] \(2, 3\).*args\[1\] \(4,\)"):
        F.broadcast(numpy.ones((2, 3), numpy.float32), numpy.ones((4,), numpy.float32))

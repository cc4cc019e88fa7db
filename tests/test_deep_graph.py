"""Deep graphs: no recursion anywhere, linear backward, safe teardown."""

import gc
import sys

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import FunctionNode, Variable

N = 100_000
_DEFAULT_LIMIT = sys.getrecursionlimit()


class CountingScale(FunctionNode):
    """y = c * x; counts its forward and backward calls on the class."""

    forwards = 0
    backwards = 0

    def __init__(self, c):
        self.c = c

    def forward(self, inputs):
        CountingScale.forwards += 1
        return inputs[0] * self.c,

    def backward(self, indexes, grad_outputs):
        CountingScale.backwards += 1
        return grad_outputs[0] * self.c,


@pytest.fixture(autouse=True)
def _reset_counts():
    CountingScale.forwards = CountingScale.backwards = 0
    assert sys.getrecursionlimit() == _DEFAULT_LIMIT
    yield
    assert sys.getrecursionlimit() == _DEFAULT_LIMIT  # nobody raised it


def test_recursion_limit_is_python_default():
    assert _DEFAULT_LIMIT <= 1000  # the chain below is 100x deeper than the stack allows


def test_backward_over_a_100k_op_chain():
    c = 1.00001
    x = Variable(numpy.array([1.0, 2.0]))
    h = x
    for _ in range(N):
        h, = CountingScale(c).apply((h,))
    assert h.rank == N
    y = F.sum(h)
    y.backward()
    # One backward call per node: linear time, no node revisited.
    assert CountingScale.forwards == N
    assert CountingScale.backwards == N
    numpy.testing.assert_allclose(x.grad, numpy.full(2, c ** N), rtol=1e-9)
    numpy.testing.assert_allclose(h.array, x.array * c ** N, rtol=1e-9)
    # Dropping the chain must not recurse either (deallocation of 100k linked nodes).
    del y, h
    gc.collect()


def test_builtin_ops_chain():
    x = Variable(numpy.array(0.5))
    h = x
    for _ in range(N // 2):
        h = h * 1.00002 + 0.0  # two nodes per step
    F.sum(h).backward()
    numpy.testing.assert_allclose(x.grad, 1.00002 ** (N // 2), rtol=1e-9)
    del h
    gc.collect()


def test_dropping_an_unused_deep_chain_does_not_crash():
    x = Variable(numpy.ones(3))
    h = x
    for _ in range(N):
        h = h * 1.0
    del h  # freed without any backward
    gc.collect()
    h = x
    for _ in range(N):
        h = h + 1.0
    h.unchain_backward()  # iterative cut
    assert h.creator is None
    numpy.testing.assert_array_equal(h.array, numpy.full(3, 1.0 + N))


def test_shared_subgraphs_are_visited_once():
    # h_{k+1} = s(h_k) + s(h_k): naive recursion over paths would take 2**depth calls.
    depth = 60
    x = Variable(numpy.array([1.0]))
    h = x
    for _ in range(depth):
        a, = CountingScale(1.0).apply((h,))
        b, = CountingScale(1.0).apply((h,))
        h = a + b
    F.sum(h).backward()
    assert CountingScale.backwards == CountingScale.forwards == 2 * depth
    assert x.grad[0] == 2.0 ** depth


def test_wide_graph_many_uses_of_one_variable():
    x = Variable(numpy.ones(2))
    ys = [CountingScale(float(i)).apply((x,))[0] for i in range(2000)]
    total = ys[0]
    for y in ys[1:]:
        total = total + y
    F.sum(total).backward()
    assert CountingScale.backwards == 2000
    numpy.testing.assert_allclose(x.grad, numpy.full(2, sum(range(2000))))


def test_deep_double_backprop_chain():
    x = Variable(numpy.array([1.1]))
    h = x
    n = 2000
    for _ in range(n):
        h = h * 1.0001
    h = h * h  # y = (c^n x)^2, d2y/dx2 = 2 c^(2n)
    gx, = rechain.grad([F.sum(h)], [x], enable_double_backprop=True)
    ggx, = rechain.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, 2 * 1.0001 ** (2 * n), rtol=1e-9)

"""The graph holds no cycles and no leaks: memory is flat across iterations."""

import gc
import tracemalloc
import weakref

import numpy

import rechain.functions as F
from rechain import FunctionNode, Parameter, Variable, VariableNode


def _step(W, b, x, t):
    """A small model: a few Variables and ops, Parameter updated in place."""
    h = x * W + b
    h2 = h * h
    d = h2 - t
    loss = F.sum(d * d) * 0.5 + F.sum(abs(W)) * 0.01
    W.cleargrad()
    b.cleargrad()
    loss.backward()
    W.array -= 1e-3 * W.grad
    b.array -= 1e-3 * b.grad
    return float(loss.array)


def _model():
    rng = numpy.random.default_rng(0)
    W = Parameter(rng.normal(size=(4, 8)).astype(numpy.float32))
    b = Parameter(numpy.zeros(8, numpy.float32))
    x = Variable(rng.normal(size=(4, 8)).astype(numpy.float32), requires_grad=False)
    t = rng.normal(size=(4, 8)).astype(numpy.float32)
    return W, b, x, t


def test_traced_memory_is_flat_over_1000_iterations():
    # Measured from iteration 1000 to 2000 of tracing: until then the
    # interpreter's free lists (tuples, floats) fill up with objects allocated
    # under tracing, which tracemalloc counts as held (tens of KiB, bounded:
    # flat after about 1,000 iterations here)
    W, b, x, t = _model()
    for _ in range(20):  # warm caches before tracing
        _step(W, b, x, t)
    gc.collect()
    tracemalloc.start()
    try:
        first = _step(W, b, x, t)
        for i in range(2, 2001):
            last = _step(W, b, x, t)  # no per-iteration bookkeeping of our own
            if i == 1000:
                at_1000 = tracemalloc.get_traced_memory()[0]
        at_2000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert last < first  # it is really training
    assert at_2000 - at_1000 < 4096, f"grew by {at_2000 - at_1000} bytes over 1000 iterations"


def test_no_graph_cycles_reach_the_collector():
    W, b, x, t = _model()
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(50):
            _step(W, b, x, t)
        gc.collect()
        leaked = [o for o in gc.garbage
                  if isinstance(o, (Variable, VariableNode, FunctionNode))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert leaked == [], f"{len(leaked)} graph objects were only reclaimable by gc"


def test_dropping_the_output_frees_intermediates_without_gc():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Variable(numpy.random.default_rng(0).normal(size=(256, 256)))
        h = x * 2.0          # big intermediate, retained by the Mul below
        y = F.sum(h * h)
        h_ref = weakref.ref(h)
        big_ref = weakref.ref(h.array)
        node_ref = weakref.ref(h.creator)
        del h
        assert h_ref() is None          # the Variable itself is not held by the graph
        assert big_ref() is not None    # ... but its array is retained for backward
        y.backward(retain_graph=True)
        assert big_ref() is not None    # the graph survives a retaining backward
        del y
        assert big_ref() is None, "retained array outlived its graph (cycle?)"
        assert node_ref() is None
        numpy.testing.assert_allclose(x.grad, 8 * x.array)
    finally:
        if was_enabled:
            gc.enable()


def test_unused_arrays_are_not_retained():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Variable(numpy.ones((128, 128)))
        h = x + 1.0          # AddConstant retains nothing
        big_ref = weakref.ref(h.array)
        y = F.sum(h * 3.0)   # MulConstant retains nothing either
        del h
        assert big_ref() is None, "an array nobody declared was kept by the graph"
        y.backward()
        numpy.testing.assert_array_equal(x.grad, 3.0)
    finally:
        if was_enabled:
            gc.enable()


def test_gradients_of_intermediates_are_freed_during_backward():
    # Without retain_grad, no intermediate keeps a gradient after backward.
    x = Variable(numpy.ones((8, 8)))
    hs = [x]
    for _ in range(10):
        hs.append(hs[-1] * 1.5)
    F.sum(hs[-1]).backward()
    assert all(h.grad is None for h in hs[1:])
    assert x.grad is not None


def test_unchain_backward_releases_retained_arrays():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Variable(numpy.ones((64, 64)))
        h = x * 2.0
        y = h * h
        big_ref = weakref.ref(h.array)
        del h
        assert big_ref() is not None
        y.unchain_backward()
        assert big_ref() is None
    finally:
        if was_enabled:
            gc.enable()

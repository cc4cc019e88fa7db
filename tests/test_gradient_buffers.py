"""function_node Note [gradient buffers]: a backward writes a gradient into a
saved array nobody else holds; bitwise the same gradients, less memory."""

import gc
import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import function_node


class Block(rechain.Chain):
    def __init__(self, w):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(w, w)
            self.bn = L.BatchNormalization(w)
            self.l2 = L.Linear(w, w)

    def forward(self, h):
        return h + self.l2(F.relu(self.bn(self.l1(h))))


def _step(buffers, monkeypatch, forget=False, blocks=4, w=256, n=512):
    if not buffers:
        monkeypatch.setattr(function_node, "take_retained_input", lambda f, k: None)
        monkeypatch.setattr(function_node, "take_retained_output", lambda f, k: None)
    rechain.random.seed(0)
    model = rechain.ChainList(*[Block(w) for _ in range(blocks)])
    x = numpy.random.default_rng(0).normal(size=(n, w)).astype(numpy.float32)
    h = x
    for b in model:
        h = F.forget(b, h) if forget else b(h)
    loss = F.sum(h * h)
    del h
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    monkeypatch.undo()
    return peak, [p.grad.copy() for p in model.params()]


@pytest.mark.parametrize("forget", [False, True])
def test_buffers_save_memory_and_change_no_bit(monkeypatch, forget):
    peak, grads = _step(True, monkeypatch, forget)
    peak0, grads0 = _step(False, monkeypatch, forget)
    for a, b in zip(grads, grads0):
        numpy.testing.assert_array_equal(a, b)
    one = 512 * 256 * 4
    assert peak < peak0 - 0.9 * one, (peak, peak0)   # one array of the width less


def test_an_array_a_variable_holds_is_never_written():
    lin = L.Linear(8, 8)
    h = rechain.Variable(numpy.ones((4, 8), numpy.float32))
    a = h * 2          # made by a node that can re-run, and held by a Variable
    keep = a.array.copy()
    y = F.relu(lin(a))
    F.sum(y).backward()
    numpy.testing.assert_array_equal(a.array, keep)


def test_second_backward_rebuilds_what_a_buffer_overwrote():
    rechain.random.seed(0)
    blk = Block(16)
    x = numpy.random.default_rng(1).normal(size=(8, 16)).astype(numpy.float32)
    h = blk(blk(x) * 1.5)
    loss1, loss2 = F.sum(h), F.sum(h * h)
    blk.cleargrads()
    loss1.backward()           # frees, and writes gradients into saved arrays
    blk.cleargrads()
    loss2.backward()           # rebuilds them
    got = [p.grad.copy() for p in blk.params()]
    blk.cleargrads()
    h = blk(blk(x) * 1.5)
    F.sum(h * h).backward()
    for a, b in zip(got, (p.grad for p in blk.params())):
        numpy.testing.assert_array_equal(a, b)


def test_no_buffer_under_double_backprop_or_retain_graph(monkeypatch):
    taken = []
    real = function_node._take

    def spy(f, stored, k):
        d = real(f, stored, k)
        taken.append(d is not None)
        return d
    monkeypatch.setattr(function_node, "_take", spy)
    rechain.random.seed(0)
    blk = Block(16)
    x = numpy.random.default_rng(1).normal(size=(8, 16)).astype(numpy.float32)
    F.sum(blk(blk(x) * 1.5)).backward(retain_graph=True)
    F.sum(blk(blk(x) * 1.5)).backward(enable_double_backprop=True)
    assert taken and not any(taken)
    F.sum(blk(blk(x) * 1.5)).backward()
    assert any(taken)


# --- the incoming gradient as a buffer (function_node.take_grad_output) ----

def _bn_relu_step(fused, n=512, c=256):
    """``sum(relu(bn(h * w1)) * w2)``: the gradient reaching the normalization
    is Mul's fresh ``gy * w2``, held by the backward loop alone."""
    rng = numpy.random.default_rng(3)
    h = rechain.Variable(rng.standard_normal((n, c)).astype(numpy.float32))
    w1 = rng.standard_normal((n, c)).astype(numpy.float32)
    w2 = rng.standard_normal((n, c)).astype(numpy.float32)
    g = rechain.Variable(rng.uniform(0.5, 1.5, c).astype(numpy.float32))
    b = rechain.Variable(rng.uniform(-0.5, 0.5, c).astype(numpy.float32))
    tracemalloc.start()
    try:
        a = h * w1
        y = F.batch_normalization_relu(a, g, b) if fused else F.relu(
            F.batch_normalization(a, g, b))
        loss = F.sum(y * w2)
        del a, y
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        loss.backward()
        excess = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return excess / (n * c * 4), [v.grad for v in (h, g, b)]


def test_lean_normalization_writes_relu_gradient_into_the_incoming_one(monkeypatch):
    excess, grads = _bn_relu_step(True)
    # beyond what the forward left: Mul's gradient (then overwritten with
    # relu's) and one array for gx; without the buffer, one more
    assert excess < 1.5, excess
    _, plain = _bn_relu_step(False)
    for got, want in zip(grads, plain):
        assert got.tobytes() == want.tobytes()
    monkeypatch.setattr(function_node, "take_grad_output", lambda go, k: None)
    without, same = _bn_relu_step(True)
    assert without > excess + 0.9, (without, excess)
    for got, want in zip(same, plain):
        assert got.tobytes() == want.tobytes()


def test_a_gradient_someone_else_holds_is_never_overwritten():
    rng = numpy.random.default_rng(4)
    x = rechain.Variable(rng.standard_normal((16, 8)).astype(numpy.float32))
    g = rechain.Variable(numpy.ones(8, numpy.float32))
    b = rechain.Variable(numpy.zeros(8, numpy.float32))
    y = F.batch_normalization_relu(x * 2.0, g, b)
    gy = rng.standard_normal((16, 8)).astype(numpy.float32)
    keep = gy.copy()
    rechain.grad([y], [x], [rechain.Variable(gy)])       # the caller's array
    assert gy.tobytes() == keep.tobytes()
    # retain_grad: the output's gradient stays readable as it was computed
    y = F.batch_normalization_relu(x * 2.0, g, b)
    loss = F.sum(y * rechain.Variable(gy))
    loss.backward(retain_grad=True)
    assert y.grad.tobytes() == keep.tobytes()


def test_function_hooks_see_the_gradient_as_it_came_in():
    seen = []

    class Hook(rechain.FunctionHook):
        name = "probe"

        def backward_preprocess(self, f, inputs, grad_outputs):
            if type(f).__name__ == "BatchNormalizationReLU":
                seen.append(grad_outputs[0].copy())

        def backward_postprocess(self, f, inputs, grad_outputs):
            if type(f).__name__ == "BatchNormalizationReLU":
                seen.append(grad_outputs[0].copy())

    rng = numpy.random.default_rng(5)
    x = rechain.Variable(rng.standard_normal((16, 8)).astype(numpy.float32))
    g = rechain.Variable(numpy.ones(8, numpy.float32))
    b = rechain.Variable(numpy.zeros(8, numpy.float32))
    w = rng.standard_normal((16, 8)).astype(numpy.float32)
    with Hook():
        F.sum(F.batch_normalization_relu(x * 2.0, g, b) * w).backward()
    assert len(seen) == 2 and seen[0].tobytes() == seen[1].tobytes()


def test_a_hook_that_keeps_the_inputs_tuple_sees_them_unchanged():
    # apply lets a node keep its input tuple itself when it keeps every input
    # (Linear without a bias); a function hook handed that tuple may keep it,
    # and then the arrays in it have an owner reference counts do not see:
    # backward must not take one as a gradient buffer
    import rechain.function_hooks as FH

    class Keep(FH.FunctionHook):
        name = "Keep"

        def __init__(self):
            self.kept = []

        def forward_postprocess(self, function, in_data):
            self.kept.append((in_data, [a.copy() for a in in_data]))

    rng = numpy.random.default_rng(0)
    l1 = L.Linear(8, 8, nobias=True, initialW=rng.normal(size=(8, 8)))
    l2 = L.Linear(8, 8, nobias=True, initialW=rng.normal(size=(8, 8)))
    x = rechain.Variable(rng.normal(size=(4, 8)).astype(numpy.float32))
    hook = Keep()
    with hook:
        y = l2(l1(x) * 2.0)        # l2's input: made by a node that can re-run
    F.sum(y * y).backward()
    assert len(hook.kept) == 3        # l1, the product, l2
    for tup, copies in hook.kept:
        for a, c in zip(tup, copies):
            assert numpy.array_equal(a, c)

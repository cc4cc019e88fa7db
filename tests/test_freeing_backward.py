"""The freeing backward (function_node Note [freeing backward]): saved arrays
are freed node by node, a later backward rebuilds them exactly, and what
cannot be rebuilt raises."""

import gc
import tracemalloc
import weakref

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import optimizers


def _mlp(seed=0, bn=False, width=8):
    rng = numpy.random.default_rng(seed)
    model = rechain.Sequential(
        L.Linear(width, width, initialW=rng.normal(size=(width, width)) * 0.5),
        *([L.BatchNormalization(width)] if bn else []),
        F.tanh,
        L.Linear(width, width, initialW=rng.normal(size=(width, width)) * 0.5),
        F.relu,
        L.Linear(width, 3, initialW=rng.normal(size=(3, width)) * 0.5))
    return model


def _x(seed=1, n=5, width=8):
    return numpy.random.default_rng(seed).normal(size=(n, width)).astype(numpy.float32)


def _grads(model):
    return {k: p.grad.copy() for k, p in model.namedparams()}


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        numpy.testing.assert_array_equal(a[k], b[k], err_msg=k)


def _saved(f):
    return [d for _, _, d in rechain.function_node.retained_arrays(f)]


def test_backward_frees_saved_arrays_of_intermediates():
    x = rechain.Variable(_x())
    h = F.tanh(x)                      # Tanh retains its output
    h_arr = weakref.ref(h.array)
    y = F.sum(h * h)                   # Mul retains both inputs
    del h
    gc.collect()
    assert h_arr() is not None         # held by the graph for backward
    y.backward()
    assert h_arr() is None             # freed by the backward pass
    assert x.grad is not None


def test_leaf_inputs_and_parameters_are_kept():
    x = _x()
    lin = L.Linear(8, 3)
    y = F.sum(lin(x) * 2.0)
    node = y.creator.inputs[0].creator.inputs[0].creator  # the Linear node
    y.backward()
    kept = _saved(node)
    assert any(d is lin.W.array for d in kept)
    assert any(d is not None and d.shape == x.shape and (d == x).all() for d in kept)


def test_retain_graph_keeps_saved_arrays():
    x = rechain.Variable(_x())
    h = F.tanh(x)
    h_arr = weakref.ref(h.array)
    y = F.sum(h * h)
    del h
    y.backward(retain_graph=True)
    assert h_arr() is not None
    with rechain.using_config("retain_graph", True):
        y.backward()
    assert h_arr() is not None
    rechain.backward([y], [numpy.ones((), y.dtype)], retain_graph=True)
    rechain.grad([y], [x], retain_graph=True)
    assert h_arr() is not None
    rechain.grad([y], [x])
    assert h_arr() is None


def test_double_backprop_keeps_saved_arrays():
    x = rechain.Variable(_x())
    h = F.tanh(x)
    h_arr = weakref.ref(h.array)
    y = F.sum(h * h)
    del h
    gx, = rechain.grad([y], [x], enable_double_backprop=True)
    assert h_arr() is not None
    F.sum(gx * gx).backward()
    assert x.grad is not None


@pytest.mark.parametrize("bn", [False, True])
def test_second_backward_rebuilds_and_matches_a_retained_graph(bn):
    def run(retain):
        model = _mlp(bn=bn)
        loss = F.sum(model(_x()) ** 2)
        model.cleargrads()
        loss.backward(retain_graph=retain)
        first = _grads(model)
        model.cleargrads()
        loss.backward(retain_graph=retain)
        return first, _grads(model)

    (a1, a2), (b1, b2) = run(True), run(False)
    _assert_same(a1, b1)
    _assert_same(a2, b2)
    _assert_same(b1, b2)


def test_rebuild_reruns_each_op_once_per_pass():
    calls = []

    class Count(rechain.FunctionNode):
        def forward(self, inputs):
            calls.append(1)
            self.retain_outputs((0,))
            return numpy.tanh(inputs[0]),

        def backward(self, indexes, gys):
            y, = self.get_retained_outputs()
            return gys[0] * (1 - y * y),

    x = rechain.Variable(_x())
    h = x
    for _ in range(5):
        h = Count().apply((h,))[0] * 1.5
    y = F.sum(h)
    y.backward()
    g1 = x.grad.copy()
    assert len(calls) == 5
    x.cleargrad()
    y.backward()
    assert len(calls) == 10         # each op re-ran once, not once per consumer
    numpy.testing.assert_array_equal(x.grad, g1)


def test_two_losses_through_a_shared_part_dcgan_style():
    """Chainer's dcgan: y_fake = dis(x_fake) once, loss_dis.backward(), the
    discriminator is updated in place, then loss_gen.backward() through it."""
    def run(retain):
        gen, dis = _mlp(seed=3), _mlp(seed=4, width=3)
        gen_opt, dis_opt = optimizers.SGD(lr=0.1), optimizers.SGD(lr=0.1)
        gen_opt.setup(gen)
        dis_opt.setup(dis)
        with rechain.using_config("retain_graph", retain):
            for _ in range(3):
                x_fake = gen(_x())
                y_fake = dis(x_fake)
                y_real = dis(_x(seed=2, width=3))
                loss_dis = F.sum(F.softplus(y_fake)) + F.sum(F.softplus(-y_real))
                dis.cleargrads()
                loss_dis.backward()
                dis_opt.update()
                loss_gen = F.sum(F.softplus(-y_fake))
                gen.cleargrads()
                loss_gen.backward()
                gen_opt.update()
        return _grads(gen), {k: p.array.copy() for k, p in gen.namedparams()}

    (ga, pa), (gb, pb) = run(True), run(False)
    _assert_same(ga, gb)
    _assert_same(pa, pb)


def test_forget_region_twice_and_region_inputs_rebuilt():
    def block(h, lin):
        return F.relu(lin(h))

    def run(retain):
        rng = numpy.random.default_rng(0)
        lins = [L.Linear(8, 8, initialW=rng.normal(size=(8, 8))) for _ in range(3)]
        h = rechain.Variable(_x())
        for lin in lins:
            h = F.forget(block, h * 1.0, lin)
        y = F.sum(h * h)
        out = []
        for _ in range(2):
            for lin in lins:
                lin.cleargrads()
            y.backward(retain_graph=retain)
            out.append({i: lin.W.grad.copy() for i, lin in enumerate(lins)})
        return out

    a, b = run(True), run(False)
    for d1, d2 in zip(a, b):
        _assert_same(d1, d2)


def test_forget_region_input_freed_after_its_replay():
    S = 1 << 16
    x = rechain.Variable(numpy.ones(S, numpy.float32))
    h = x * 2.0                                # region input: not a leaf
    h_arr = weakref.ref(h.array)
    y = F.sum(F.forget(lambda a: F.sin(a) * a, h))
    del h
    gc.collect()
    assert h_arr() is not None                 # kept until the replay
    y.backward()
    assert h_arr() is None                     # F22: freed after its last replay
    g1 = x.grad.copy()
    x.cleargrad()
    y.backward()                               # rebuilt (x * 2.0 re-runs)
    numpy.testing.assert_array_equal(x.grad, g1)


def test_what_cannot_be_rebuilt_is_kept():
    """Add does not save its constant input, whose Variable dies at once: the
    arrays that would need it to be rebuilt are not freed."""
    v = rechain.Variable(numpy.ones((3, 4)))
    h = v + numpy.full((3, 4), 0.5)
    h_arr = weakref.ref(h.array)
    y = F.sum(F.tanh(h) * h)
    del h
    y.backward()
    assert h_arr() is not None
    g = v.grad.copy()
    v.cleargrad()
    y.backward()
    numpy.testing.assert_array_equal(v.grad, g)


def test_a_leaf_dropped_after_the_first_backward_raises_naming_the_op():
    v = rechain.Variable(numpy.ones((3, 4)))
    c = rechain.Variable(numpy.full((3, 4), 0.5))
    y = F.sum(F.tanh(v + c) ** 2)
    y.backward()
    del c
    gc.collect()
    v.cleargrad()
    with pytest.raises(rechain.RecomputeError,
                       match=r"Add: input 1 was freed by an earlier backward pass .* "
                             r"retain_graph=True"):
        y.backward()


def test_freeing_lowers_the_backward_peak():
    """Each layer has a parameter-sized gradient: with the graph kept, all
    saved activations coexist with all gradients at the end of backward."""
    S = 1 << 16   # 256 KiB of float32 per array

    def step(retain):
        tracemalloc.start()
        x = rechain.Variable(numpy.linspace(-1, 1, S, dtype=numpy.float32))
        ws = [rechain.Variable(numpy.full(S, 1.0001, numpy.float32)) for _ in range(16)]
        h = x
        for w in ws:
            h = F.tanh(h) * w            # Tanh keeps its output, Mul both inputs
        y = F.sum(h)
        del h
        y.backward(retain_graph=retain)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    kept, freed = step(True), step(False)
    # 16 saved outputs of S * 4 bytes go while the 16 gradients arrive.
    assert kept - freed > 12 * S * 4


def test_backward_and_grad_reject_a_bare_variable():
    x = rechain.Variable(numpy.ones(3))
    y = F.sum(x * 2.0)
    with pytest.raises(TypeError, match=r"grad: outputs must be a list or tuple"):
        rechain.grad(y, [x])
    with pytest.raises(TypeError, match=r"grad: inputs must be a list or tuple"):
        rechain.grad([y], x)
    with pytest.raises(TypeError, match=r"backward: outputs must be a list or tuple"):
        rechain.backward(y)

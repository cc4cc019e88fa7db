"""chainer.Function, the old-style function API (rechain/function.py)."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check


class Square(rechain.Function):
    def forward(self, inputs):
        x, = inputs
        return x * x,

    def backward(self, inputs, grad_outputs):
        x, = inputs
        return 2 * x * grad_outputs[0],


class MulAdd(rechain.Function):
    """Two outputs; keeps only input 1 and output 0 (Chainer's retain calls)."""

    def forward_cpu(self, inputs):
        a, b = inputs
        self.retain_inputs((1,))
        self.retain_outputs((0,))
        return a * b, a + b

    def backward_cpu(self, inputs, grad_outputs):
        a, b = inputs
        assert a is None and b is not None
        y0 = self.output_data[0]
        assert self.output_data[1] is None
        g0, g1 = grad_outputs
        g0 = numpy.zeros_like(y0) if g0 is None else g0
        g1 = numpy.zeros_like(y0) if g1 is None else g1
        # d(a*b)/da = b; d(a*b)/db = a = y0 / b
        return g0 * b + g1, g0 * (y0 / b) + g1


def _x(shape=(3, 4), seed=0):
    return numpy.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


def test_forward_backward_and_numerical_gradient():
    x = rechain.Variable(_x().astype(numpy.float32))
    y = Square()(x)
    assert isinstance(y, rechain.Variable)
    numpy.testing.assert_allclose(y.array, x.array ** 2)
    F.sum(y).backward()
    numpy.testing.assert_allclose(x.grad, 2 * x.array)
    gradient_check.check_backward(Square(), _x(), _x(seed=1))


def test_two_outputs_retain_subsets_and_output_data():
    a, b = _x(seed=2), _x(seed=3)
    gradient_check.check_backward(MulAdd(), (a, b), (_x(seed=4), _x(seed=5)))
    ys = MulAdd()(rechain.Variable(a), rechain.Variable(b))
    assert isinstance(ys, tuple) and len(ys) == 2
    # creator is the Function (Chainer's), creator_node its adapter in the graph
    assert isinstance(ys[0].creator, MulAdd)
    f = ys[0].creator_node
    assert isinstance(f, rechain.FunctionAdapter) and f.label == "MulAdd"
    assert f.function is ys[0].creator and ys[1].creator is ys[0].creator
    kept = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(f)]
    assert kept == [("input", 1), ("output", 0)]


def test_under_forget_and_in_memory_accounting():
    x = _x().astype(numpy.float32)
    w = rechain.Variable(x.copy())
    plain = rechain.Variable(x.copy())
    F.sum(Square()(Square()(plain) * 2)).backward()
    F.sum(F.forget(lambda v: Square()(Square()(v) * 2), w)).backward()
    numpy.testing.assert_array_equal(w.grad, plain.grad)
    saved = rechain.memory.saved_arrays(lambda v: Square()(v), x)
    assert [e.op for e in saved.entries] == ["Square"]


def test_second_backward_through_a_freed_old_style_node():
    x = rechain.Variable(_x().astype(numpy.float32))
    h = Square()(x * 1.5)
    l1, l2 = F.sum(h), F.sum(h * h)
    l1.backward()
    g1 = x.grad.copy()
    x.cleargrad()
    l2.backward()          # the freed saved input of Square is rebuilt
    want = 4 * (1.5 * x.array) ** 3 * 1.5
    numpy.testing.assert_allclose(x.grad, want, rtol=1e-5)
    numpy.testing.assert_allclose(g1, 2 * 1.5 * x.array * 1.5, rtol=1e-6)


def test_double_backprop_gives_gradients_that_cannot_be_differentiated_again():
    # as Chainer: the backward works, a backward or grad() reaching its gradients raises
    msg = 'cannot twice-differentiate an old style Function "Square"'
    x = rechain.Variable(_x().astype(numpy.float32))
    F.sum(Square()(x)).backward(enable_double_backprop=True)
    numpy.testing.assert_allclose(x.grad, 2 * x.array)
    with pytest.raises(RuntimeError, match=msg):
        F.sum(x.grad_var * 3.0).backward()
    with pytest.raises(RuntimeError, match=msg):
        rechain.grad([F.sum(x.grad_var)], [x])
    # also when nothing before it requires a gradient (the initial one is a constant),
    # and behind a new-style function
    x = rechain.Variable(numpy.array([2.0, 3.0], numpy.float32))
    F.sum(Square()(F.identity(x))).backward(enable_double_backprop=True)
    numpy.testing.assert_allclose(x.grad, [4.0, 6.0])
    with pytest.raises(RuntimeError, match=msg):
        rechain.grad([x.grad_var], [x], [numpy.ones(2, numpy.float32)])
    # without double backprop the gradients are plain leaves
    x = rechain.Variable(numpy.array([2.0, 3.0], numpy.float32))
    F.sum(Square()(x)).backward()
    assert x.grad_var.creator is None


def test_default_backward_gives_no_gradient_and_missing_forward_is_named():
    class NoGrad(rechain.Function):
        def forward(self, inputs):
            return inputs[0] * 2,

    x = rechain.Variable(_x().astype(numpy.float32))
    F.sum(NoGrad()(x) + x).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.ones_like(x.array))

    class Nothing(rechain.Function):
        pass
    with pytest.raises(NotImplementedError, match="Nothing: implement forward"):
        Nothing()(x)


@pytest.mark.parametrize("bad, error, text", [
    (lambda x: x * 2, TypeError, "must return a tuple of arrays"),
])
def test_bad_forward_return(bad, error, text):
    class Bad(rechain.Function):
        def forward(self, inputs):
            return bad(inputs[0])
    with pytest.raises(error, match=text):
        Bad()(rechain.Variable(_x()))


def test_bad_backward_returns():
    class WrongCount(rechain.Function):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, inputs, grad_outputs):
            return grad_outputs[0], grad_outputs[0]

    class WrongShape(WrongCount):
        def backward(self, inputs, grad_outputs):
            return grad_outputs[0][:1],

    x = rechain.Variable(_x())
    with pytest.raises(ValueError, match="WrongCount.backward must return a tuple of 1"):
        F.sum(WrongCount()(x)).backward()
    with pytest.raises(ValueError, match=r"WrongShape.backward: gradient 0 has shape \(1, 4\)"):
        F.sum(WrongShape()(x)).backward()


def test_the_graph_owns_the_function_once_called():
    import gc
    import weakref
    x = rechain.Variable(_x())
    f = Square()
    r = weakref.ref(f)
    y = f(x)
    del f
    gc.collect()
    assert r() is not None and y.creator is r() and y.creator_node.function is r()
    del y
    gc.collect()
    assert r() is None


# -- Chainer's type-check DSL: check_type_forward on an old-style Function ---------------

from rechain.utils import type_check  # noqa: E402


class CheckedSquare(Square):
    def __init__(self):
        self.calls = []

    def check_type_forward(self, in_types):
        self.calls.append(in_types)
        x_type, = in_types
        type_check.expect(x_type.dtype.kind == "f", x_type.ndim >= 2)


def test_old_style_check_type_forward_passes_and_is_called_once():
    f = CheckedSquare()
    y = f(numpy.full((2, 2), 3.0, numpy.float32))
    numpy.testing.assert_array_equal(y.array, numpy.full((2, 2), 9.0))
    assert len(f.calls) == 1 and isinstance(f.calls[0], type_check.LightTypeInfoTuple)


def test_old_style_check_type_forward_failure_names_the_function():
    f = CheckedSquare()
    with pytest.raises(type_check.InvalidType) as e:
        f(numpy.ones(3, numpy.float32))
    assert str(e.value) == ("\nInvalid operation is performed in: CheckedSquare (Forward)\n\n"
                            "Expect: in_types[0].ndim >= 2\nActual: 1 < 2")
    # as Chainer, the operands are shown by str (so 'f' prints as f)
    with pytest.raises(type_check.InvalidType,
                       match=r"Expect: in_types\[0\]\.dtype\.kind == f\nActual: i != f"):
        CheckedSquare()(numpy.ones((2, 2), numpy.int32))


def test_old_style_default_check_is_not_run_and_instance_one_is():
    f = Square()
    assert not f.node._checks_types        # the default checks nothing
    calls = []
    g = Square()
    g.check_type_forward = calls.append
    g(numpy.ones(2, numpy.float32))
    assert len(calls) == 1 and isinstance(calls[0], type_check.LightTypeInfoTuple)
    assert type(calls[0][0]) is numpy.ndarray


def test_setting_creator_to_a_function_sets_its_node():
    x = rechain.Variable(_x())
    f = Square()
    y = f(x)
    z = rechain.Variable(_x())
    z.creator = f
    assert z.creator_node is y.creator_node and z.creator is f and z.rank == y.rank
    z.creator = None  # the rank stays (Chainer's)
    assert z.creator is None and z.creator_node is None and z.rank == y.rank

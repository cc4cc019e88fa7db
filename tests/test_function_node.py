"""FunctionNode: the op contract (forward/backward/retain/apply)."""

import gc
import warnings

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import FunctionNode, Variable
from rechain import function_node
from rechain import gradient_check


class Cube(FunctionNode):
    """y = x**3, retains its input; backward is expressed with Variables."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x ** 3,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        self.seen_input = x
        return grad_outputs[0] * 3.0 * x * x,


class Exp(FunctionNode):
    """y = exp(x), retains its output."""

    def forward(self, inputs):
        self.retain_outputs((0,))
        return numpy.exp(inputs[0]),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        self.seen_output = y
        return grad_outputs[0] * y,


class Scale(FunctionNode):
    """y = 2 * x; declares nothing."""

    def forward(self, inputs):
        return inputs[0] * 2,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0] * 2.0,


class AddRecorder(FunctionNode):
    """y = a + b (+ c ...); records the target indexes it was asked for."""

    def forward(self, inputs):
        out = inputs[0].copy()
        for x in inputs[1:]:
            out = out + x
        return out,

    def backward(self, indexes, grad_outputs):
        self.indexes = indexes
        return tuple(grad_outputs[0] for _ in indexes)


class SplitSum(FunctionNode):
    """Two outputs: (x + 1, x * 3); backward records which grads arrived."""

    def forward(self, inputs):
        x, = inputs
        return x + 1, x * 3

    def backward(self, indexes, grad_outputs):
        self.got = tuple(g is not None for g in grad_outputs)
        g0, g1 = grad_outputs
        gx = None
        if g0 is not None:
            gx = g0
        if g1 is not None:
            gx = g1 * 3.0 if gx is None else gx + g1 * 3.0
        return gx,


def _x(shape=(3,), seed=0):
    return numpy.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


# -- retention -------------------------------------------------------------------------

def test_retained_input_is_a_variable_on_the_graph_node():
    x = Variable(_x())
    f = Cube()
    y, = f.apply((x,))
    assert f._retained_in is not None and f._retained_out is None
    r, = f.get_retained_inputs()
    assert isinstance(r, Variable)
    assert r.node is x.node
    assert r.node is f.inputs[0]
    numpy.testing.assert_array_equal(r.array, x.array)


def test_retained_output_is_a_variable_on_the_graph_node():
    x = Variable(_x())
    f = Exp()
    y, = f.apply((x,))
    assert f._retained_out is not None and f._retained_in is None
    r, = f.get_retained_outputs()
    assert isinstance(r, Variable)
    assert r.node is y.node
    assert r.node is f.outputs[0]()
    numpy.testing.assert_allclose(r.array, numpy.exp(x.array))


def test_nothing_is_retained_unless_declared():
    x = Variable(_x())
    f = Scale()
    y, = f.apply((x,))
    assert f._retained_in is None
    assert f._retained_out is None
    assert f.get_retained_inputs() == ()
    assert f.get_retained_outputs() == ()


@pytest.mark.parametrize("node_cls,d1,d2", [
    (Cube, lambda x: 3 * x ** 2, lambda x: 6 * x),
    (Exp, numpy.exp, numpy.exp),
])
def test_double_backprop_through_retained_variables(node_cls, d1, d2):
    a = _x()
    x = Variable(a)
    y, = node_cls().apply((x,))
    gx, = rechain.grad([F.sum(y)], [x], enable_double_backprop=True)
    numpy.testing.assert_allclose(gx.array, d1(a))
    assert gx.creator is not None  # differentiable
    ggx, = rechain.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, d2(a))


@pytest.mark.parametrize("node_cls", [Cube, Exp])
def test_custom_nodes_pass_gradient_checks(node_cls):
    a = _x((2, 3))
    gy = numpy.random.default_rng(1).normal(size=(2, 3))
    ggx = numpy.random.default_rng(2).normal(size=(2, 3))

    def f(x):
        return node_cls().apply((x,))[0]
    gradient_check.check_backward(f, a, gy)
    gradient_check.check_double_backward(f, a, gy, ggx)


def test_retained_output_survives_dropping_the_output():
    x = Variable(_x())
    f = Exp()
    y, = f.apply((x,))
    s = F.sum(y * 1.0)
    del y
    gc.collect()
    s.backward()
    numpy.testing.assert_allclose(x.grad, numpy.exp(x.array))


def test_double_backprop_through_a_dropped_retained_output():
    a = _x()
    x = Variable(a)
    y, = Exp().apply((x,))
    s = F.sum(y * 2.0)
    del y
    gc.collect()
    gx, = rechain.grad([s], [x], enable_double_backprop=True)
    numpy.testing.assert_allclose(gx.array, 2 * numpy.exp(a))
    ggx, = rechain.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, 2 * numpy.exp(a))


def test_retained_after_unchain_raises_naming_the_node():
    x = Variable(_x())
    f = Cube()
    f.apply((x,))
    f.unchain()
    assert f.inputs is None
    with pytest.raises(RuntimeError, match="Cube: retained inputs are gone"):
        f.get_retained_inputs()
    g = Exp()
    g.apply((x,))
    g.unchain()
    with pytest.raises(RuntimeError, match="Exp: retained outputs are gone"):
        g.get_retained_outputs()


# -- apply -----------------------------------------------------------------------------

def test_apply_returns_a_tuple_and_links_the_graph():
    x = Variable(_x())
    h = x * 1.0
    f = Scale()
    out = f.apply((h,))
    assert type(out) is tuple and len(out) == 1
    y, = out
    assert y.creator is f
    assert f.inputs == (h.node,)
    assert f.outputs[0]() is y.node
    assert f.rank == h.rank == 1  # Chainer's: the largest rank of the inputs
    assert y.rank == f.rank + 1 == 2
    assert f.label == "Scale"
    assert "Scale" in repr(f)


def test_multiple_outputs():
    x = Variable(_x())
    f = SplitSum()
    a, b = f.apply((x,))
    assert a.creator is f and b.creator is f
    numpy.testing.assert_allclose(a.array, x.array + 1)
    numpy.testing.assert_allclose(b.array, x.array * 3)
    F.sum(b).backward()  # the first output gets no gradient: backward sees None
    assert f.got == (False, True)
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 3.0))
    x.cleargrad()
    F.sum(a + b).backward()
    assert f.got == (True, True)
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 4.0))


def test_ndarray_inputs_become_constants():
    x = Variable(_x())
    c = _x(seed=3)
    f = AddRecorder()
    y, = f.apply((x, c))
    assert y.requires_grad
    const_node = f.inputs[1]
    assert const_node.requires_grad is False
    assert const_node.creator is None
    numpy.testing.assert_allclose(y.array, x.array + c)
    F.sum(y).backward()
    assert f.indexes == (0,)  # no gradient is asked for the constant
    numpy.testing.assert_array_equal(x.grad, numpy.ones(3))


def test_non_array_input_raises_naming_node_and_position():
    with pytest.raises(TypeError, match=r"AddRecorder: input 1 must be a Variable or an "
                                        r"ndarray, not list"):
        AddRecorder().apply((Variable(_x()), [1.0, 2.0, 3.0]))


@pytest.mark.parametrize("flags", [(True, True), (True, False), (False, True), (False, False)])
def test_outputs_require_grad_exactly_when_an_input_does(flags):
    xs = [Variable(_x(seed=i), requires_grad=r) for i, r in enumerate(flags)]
    f = AddRecorder()
    y, = f.apply(xs)
    assert y.requires_grad is any(flags)
    assert (y.creator is f) is any(flags)
    if any(flags):
        F.sum(y).backward()
        assert f.indexes == tuple(i for i, r in enumerate(flags) if r)
        for x, r in zip(xs, flags):
            assert (x.grad is not None) is r


def test_all_constant_inputs_build_no_graph():
    f = Cube()
    y, = f.apply((_x(),))
    assert y.creator is None
    assert f.inputs is None
    assert f._retained_in is None  # nothing kept when there is no graph


def test_apply_in_no_backprop_mode_builds_no_graph():
    x = Variable(_x())
    with rechain.no_backprop_mode():
        f = Cube()
        y, = f.apply((x,))
        z = x * 2.0
    assert y.creator is None and z.creator is None
    assert f.inputs is None and f._retained_in is None
    assert not y.requires_grad
    numpy.testing.assert_allclose(y.array, x.array ** 3)
    with rechain.no_backprop_mode():
        with rechain.force_backprop_mode():
            y2, = Cube().apply((x,))
    assert y2.creator is not None


def test_forward_returning_a_non_tuple_raises_naming_the_class():
    class BadForward(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2  # an array, not a tuple

    with pytest.raises(TypeError, match=r"BadForward\.forward must return a tuple.*ndarray"):
        BadForward().apply((Variable(_x()),))
    with pytest.raises(TypeError, match=r"BadForward\.forward"):
        with rechain.no_backprop_mode():  # checked without a graph too
            BadForward().apply((Variable(_x()),))


def test_forward_returning_a_list_raises():
    class ListForward(FunctionNode):
        def forward(self, inputs):
            return [inputs[0]]

    with pytest.raises(TypeError, match=r"ListForward\.forward must return a tuple.*list"):
        ListForward().apply((Variable(_x()),))


def test_forward_returning_a_non_array_names_the_output():
    class ObjectForward(FunctionNode):
        def forward(self, inputs):
            return inputs[0], object()

    # the message keeps Chainer's phrase ("forward output must be a tuple of ndarrays")
    with pytest.raises(TypeError, match=r"ObjectForward\.forward output must be a tuple of "
                                        r"ndarrays: output 1 is object"):
        ObjectForward().apply((Variable(_x()),))


class _WrongCount(FunctionNode):
    def __init__(self, n):
        self.n = n

    def forward(self, inputs):
        return inputs[0] + inputs[1],

    def backward(self, indexes, grad_outputs):
        return (grad_outputs[0],) * self.n


def test_backward_returning_wrong_number_of_gradients_raises():
    a, b = Variable(_x()), Variable(_x(seed=1))
    y, = _WrongCount(3).apply((a, b))
    with pytest.raises(ValueError, match=r"_WrongCount\.backward returned 3 gradients for 2 "
                                         r"target inputs"):
        F.sum(y).backward()
    a2, b2 = Variable(_x()), Variable(_x(seed=1))
    y, = _WrongCount(1).apply((a2, b2))
    with pytest.raises(ValueError, match=r"returned 1 gradients for 2"):
        F.sum(y).backward()


def test_backward_may_return_one_gradient_per_input():
    a = Variable(_x())
    b = Variable(_x(seed=1), requires_grad=False)
    y, = _WrongCount(2).apply((a, b))  # two gradients for one target
    F.sum(y).backward()
    numpy.testing.assert_array_equal(a.grad, numpy.ones(3))
    assert b.grad is None


def test_backward_returning_a_non_sequence_raises():
    class Bad(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0]  # a Variable, not a tuple

    y, = Bad().apply((Variable(_x()),))
    with pytest.raises(TypeError, match=r"Bad\.backward must return a tuple.*Variable"):
        F.sum(y).backward()


def test_unimplemented_forward_and_backward():
    class Empty(FunctionNode):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty\.forward"):
        Empty().apply((Variable(_x()),))
    # backward: not differentiable, as in Chainer, with a warning once per class
    with pytest.warns(function_node.NondifferentiableWarning, match=r"Empty\.backward"):
        assert Empty().backward((0, 1), (None,)) == (None, None)


def test_function_without_backward_passes_no_gradient_and_warns_once():
    class Through(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

    x = Variable(_x())
    w = Variable(_x())
    with pytest.warns(function_node.NondifferentiableWarning, match="Through.backward"):
        y, = Through().apply((x * w,))
        F.sum(y + x).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.ones_like(x.array))  # only via y + x
    assert w.grad is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, = Through().apply((x * w,))
        F.sum(y).backward()   # the second time: no warning


def test_backward_receives_variables_and_no_graph_without_double_backprop():
    seen = {}

    class Spy(FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            seen["gy"] = grad_outputs[0]
            seen["enable_backprop"] = rechain.config.enable_backprop
            return grad_outputs[0] * 1.0,

    x = Variable(_x())
    F.sum(Spy().apply((x,))[0]).backward()
    assert isinstance(seen["gy"], Variable)
    assert seen["enable_backprop"] is False
    F.sum(Spy().apply((x,))[0]).backward(enable_double_backprop=True)
    assert seen["enable_backprop"] is True


def test_default_forward_calls_forward_cpu_and_names_a_missing_one():
    import numpy
    import pytest
    import rechain
    from rechain import function_node

    class Twice(function_node.FunctionNode):
        def forward_cpu(self, inputs):
            return inputs[0] * 2,

        def backward(self, indexes, grad_outputs):
            return grad_outputs[0] * 2,

    x = rechain.Variable(numpy.ones(3, numpy.float32))
    y, = Twice().apply((x,))
    numpy.testing.assert_array_equal(y.array, [2, 2, 2])
    assert y.node._rank == y.node.rank == 1
    x2 = rechain.Variable(numpy.ones(3, numpy.float32))
    x2.node._rank = 5  # Chainer's tests set it
    assert x2.node.rank == 5 and x2.rank == 5
    z, = Twice().apply((x2,))
    assert z.rank == 6

    class Nothing(function_node.FunctionNode):
        pass
    with pytest.raises(NotImplementedError, match="Nothing.forward is not implemented"):
        Nothing().apply((x,))


# -- Chainer's type-check DSL: check_type_forward -------------------------------------

from rechain.utils import type_check  # noqa: E402


class _Checked(FunctionNode):
    """Identity that requires one float32 input with at least 2 dimensions."""

    calls = None

    def check_type_forward(self, in_types):
        if self.calls is not None:
            self.calls.append(in_types)
        type_check.expect(in_types.size() == 1)
        x_type, = in_types
        type_check.expect(x_type.dtype == numpy.float32, x_type.ndim >= 2)

    def forward(self, inputs):
        return inputs[0].copy(),


def test_check_type_forward_runs_once_in_light_mode_on_good_input():
    f = _Checked()
    f.calls = []
    x = numpy.ones((2, 3), numpy.float32)
    y, = f.apply((Variable(x),))
    numpy.testing.assert_array_equal(y.array, x)
    assert len(f.calls) == 1
    ts = f.calls[0]
    assert isinstance(ts, type_check.LightTypeInfoTuple)
    assert ts[0].shape == (2, 3) and ts[0].dtype == numpy.float32


def test_check_type_forward_failure_names_the_function():
    f = _Checked()
    f.calls = []
    with pytest.raises(type_check.InvalidType) as e:
        f.apply((numpy.ones((2, 3)),))
    assert str(e.value) == (
        "\nInvalid operation is performed in: _Checked (Forward)\n\n"
        "Expect: in_types[0].dtype == <class 'numpy.float32'>\n"
        "Actual: float64 != <class 'numpy.float32'>")
    # light pass, then the full pass on named expressions
    assert [type(t) for t in f.calls] == [type_check.LightTypeInfoTuple,
                                          type_check.TypeInfoTuple]
    with pytest.raises(type_check.InvalidType, match=r"Expect: in_types\[0\]\.ndim >= 2\n"
                                                     r"Actual: 1 < 2"):
        _Checked().apply((numpy.ones(3, numpy.float32),))
    with pytest.raises(type_check.InvalidType, match=r"Expect: in_types.size == 1\n"
                                                     r"Actual: 2 != 1"):
        _Checked().apply((numpy.ones((1, 1), numpy.float32),) * 2)
    assert isinstance(e.value, TypeError) and isinstance(e.value, ValueError)


def test_check_type_forward_skipped_when_type_check_is_off():
    f = _Checked()
    f.calls = []
    with rechain.using_config("type_check", False):
        y, = f.apply((numpy.ones(3),))
    assert f.calls == [] and y.shape == (3,)


def test_check_type_forward_flag_is_set_per_class():
    class Sub(_Checked):
        pass

    class Plain(FunctionNode):
        def forward(self, inputs):
            return inputs

    assert _Checked._checks_types and Sub._checks_types
    assert not Plain._checks_types and not FunctionNode._checks_types
    assert not F.math.basic_math.Mul._checks_types
    assert not F.math.basic_math.Add._checks_types
    # no built-in function is flagged: they check their inputs themselves
    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)
    flagged = [c for c in subclasses(FunctionNode)
               if c.__module__.startswith("rechain.") and c._checks_types is True]
    assert flagged == []


def test_check_type_forward_assigned_to_an_instance_is_called():
    calls = []
    f = Exp()
    f.check_type_forward = calls.append
    assert f._checks_types and not Exp._checks_types
    f.apply((numpy.zeros(2, numpy.float32),))
    assert len(calls) == 1 and isinstance(calls[0], type_check.LightTypeInfoTuple)
    del f.check_type_forward
    assert not f._checks_types


def test_check_type_forward_not_run_for_direct_forward_and_backward_still_works():
    f = _Checked()
    f.calls = []
    f.forward((numpy.ones((2, 2), numpy.float32),))
    assert f.calls == []
    x = Variable(numpy.ones((2, 2), numpy.float32))
    y, = _Checked().apply((x,))
    assert y.creator is not None


def test_debug_mode_shows_where_a_node_was_applied_when_its_backward_fails():
    import inspect
    import re

    class Boom(function_node.FunctionNode):
        def forward(self, inputs):
            return inputs[0] * 2,

        def backward(self, target_input_indexes, grad_outputs):
            raise FloatingPointError("boom")

    x = rechain.Variable(numpy.ones(3, numpy.float32))
    with rechain.using_config("debug", True):
        line = inspect.currentframe().f_lineno + 1
        y, = Boom().apply((x,))
        assert y.creator.stack is not None
        with pytest.raises(FloatingPointError,
                           match=re.compile(rf"^boom\n-+\nStacktrace of the function is below:"
                                            rf"\n.*line {line}", re.S)):
            F.sum(y).backward()
    y, = Boom().apply((x,))   # outside debug mode nothing is recorded or added
    assert y.creator.stack is None
    with pytest.raises(FloatingPointError, match="^boom$"):
        F.sum(y).backward()

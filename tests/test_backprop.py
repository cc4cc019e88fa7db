"""Backpropagation: Variable.backward, rechain.backward and rechain.grad."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import FunctionNode, Parameter, Variable


def _a(shape=(3,), seed=0, dtype=numpy.float64):
    return numpy.random.default_rng(seed).uniform(0.5, 1.5, size=shape).astype(dtype)


# -- the initial gradient ---------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_initial_grad_is_one_for_one_element_outputs(shape):
    a = _a((3,))
    x = Variable(a)
    y = F.sum(x * x).reshape(shape) * 1.0
    assert y.size == 1
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * a)


def test_non_scalar_output_without_grad_raises_naming_the_shape():
    y = Variable(_a((2, 3))) * 2.0
    with pytest.raises(ValueError, match=r"backward: .*shape \(2, 3\) must be given"):
        y.backward()


def test_y_grad_is_the_initial_gradient():
    a = _a((2, 3))
    x = Variable(a)
    y = x * x
    gy = _a((2, 3), seed=1)
    y.grad = gy
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * a * gy)


def test_initial_grad_also_overrides_the_implicit_one():
    x = Variable(_a((3,)))
    y = F.sum(x * 2.0)
    y.grad = numpy.array(5.0)
    y.backward()
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 10.0))


def test_backward_of_a_leaf_output():
    x = Variable(_a((1,)))
    x.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.ones(1))


# -- accumulation ---------------------------------------------------------------------

def test_accumulation_when_used_several_times():
    a = _a((4,))
    x = Variable(a)
    y = F.sum(x * x + x * 3.0 + x)  # d/dx = 2x + 4
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * a + 4)


def test_accumulation_through_diamond():
    a = _a((4,))
    x = Variable(a)
    h = x * 2.0
    y = F.sum(h * h + h)  # d/dx = 2 * (2h + 1)
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * (2 * 2 * a + 1))


def test_accumulation_many_contributions_does_not_touch_backward_results():
    # Contribution arrays returned by a backward must not be overwritten in place.
    a = _a((3,))
    x = Variable(a)
    h = x * 1.0
    y = F.sum(h + h + h + h)
    y.backward(retain_grad=True)
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 4.0))
    numpy.testing.assert_allclose(h.grad, numpy.full(3, 4.0))
    numpy.testing.assert_allclose(y.grad, 1.0)


def test_user_initial_grad_is_never_written_to():
    x = Variable(_a((3,)))
    h = x * 1.0
    y = h + h + h + x  # Add's backward hands the same gradient to both inputs
    g = numpy.array([1.0, 2.0, 3.0])
    y.grad = g
    y.backward()
    numpy.testing.assert_array_equal(g, [1.0, 2.0, 3.0])
    numpy.testing.assert_array_equal(x.grad, 4 * g)


def test_accumulation_across_backward_calls_until_cleargrad():
    a = _a((3,))
    x = Variable(a)
    y = F.sum(x * x)
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * a)
    y.backward()  # same graph again: accumulates
    numpy.testing.assert_allclose(x.grad, 4 * a)
    F.sum(x * 3.0).backward()  # another graph: accumulates too
    numpy.testing.assert_allclose(x.grad, 4 * a + 3)
    x.cleargrad()
    y.backward()
    numpy.testing.assert_allclose(x.grad, 2 * a)


def test_accumulation_does_not_alias_previous_grad():
    x = Variable(_a((3,)))
    F.sum(x * 2.0).backward()
    first = x.grad
    kept = first.copy()
    F.sum(x * 5.0).backward()
    numpy.testing.assert_array_equal(first, kept)  # the old array was not mutated
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 7.0))


def test_requires_grad_false_leaf_gets_no_grad():
    x = Variable(_a((3,)), requires_grad=False)
    w = Variable(_a((3,), seed=1))
    F.sum(x * w).backward()
    assert x.grad is None
    numpy.testing.assert_allclose(w.grad, x.array)


# -- retain_grad --------------------------------------------------------------------------

def test_intermediate_grads_are_dropped_by_default():
    x = Variable(_a())
    h = x * 2.0
    y = F.sum(h * h)
    y.backward()
    assert h.grad is None
    assert x.grad is not None


def test_retain_grad_keeps_intermediate_grads():
    a = _a()
    x = Variable(a)
    h = x * 2.0
    g = h + 1.0
    y = F.sum(g * g)
    y.backward(retain_grad=True)
    numpy.testing.assert_allclose(g.grad, 2 * (2 * a + 1))
    numpy.testing.assert_allclose(h.grad, 2 * (2 * a + 1))
    numpy.testing.assert_allclose(x.grad, 4 * (2 * a + 1))
    numpy.testing.assert_allclose(y.grad, 1.0)


# -- double backprop ----------------------------------------------------------------------

def test_enable_double_backprop_gives_differentiable_grads():
    a = _a((4,))
    x = Variable(a)
    y = F.sum(x ** 3)
    y.backward(enable_double_backprop=True)
    gx = x.grad_var
    numpy.testing.assert_allclose(gx.array, 3 * a ** 2)
    assert gx.creator is not None
    x.cleargrad()
    F.sum(gx).backward()
    numpy.testing.assert_allclose(x.grad, 6 * a)


def test_without_double_backprop_grads_are_constants():
    x = Variable(_a())
    F.sum(x ** 3).backward()
    assert x.grad_var.creator is None
    assert x.grad_var.requires_grad is False


def test_third_derivative():
    a = _a((3,))
    x = Variable(a)
    g1, = rechain.grad([F.sum(x ** 4)], [x], enable_double_backprop=True)
    g2, = rechain.grad([F.sum(g1)], [x], enable_double_backprop=True)
    g3, = rechain.grad([F.sum(g2)], [x])
    numpy.testing.assert_allclose(g1.array, 4 * a ** 3)
    numpy.testing.assert_allclose(g2.array, 12 * a ** 2)
    numpy.testing.assert_allclose(g3.array, 24 * a)


def test_double_backprop_mixed_partials():
    a, b = _a((3,)), _a((3,), seed=1)
    x, w = Variable(a), Variable(b)
    gx, = rechain.grad([F.sum(x * x * w)], [x], enable_double_backprop=True)  # 2xw
    F.sum(gx * gx).backward()  # d/dw sum(4x^2w^2) = 8 x^2 w
    numpy.testing.assert_allclose(w.grad, 8 * a ** 2 * b)


# -- loss_scale ------------------------------------------------------------------------------

def test_loss_scale_multiplies_grads_and_marks_parameters():
    a = _a((3,))
    p = Parameter(a.copy())
    unused = Parameter(a.copy())
    x = Variable(_a((3,), seed=1))
    y = F.sum(p * x)
    y.backward(loss_scale=8.0)
    numpy.testing.assert_allclose(p.grad, 8.0 * x.array)
    numpy.testing.assert_allclose(x.grad, 8.0 * a)
    assert p._loss_scale == 8.0
    assert unused._loss_scale is None


def test_no_loss_scale_leaves_parameters_unmarked():
    p = Parameter(_a())
    F.sum(p * p).backward()
    assert p._loss_scale is None


# -- rechain.backward with several outputs ----------------------------------------------------

def test_backward_several_outputs_with_grads():
    a = _a((3,))
    x = Variable(a)
    y1 = x * 2.0
    y2 = x * x
    g1, g2 = _a((3,), seed=2), _a((3,), seed=3)
    rechain.backward([y1, y2], [g1, Variable(g2)])
    numpy.testing.assert_allclose(x.grad, 2 * g1 + 2 * a * g2)


def test_backward_several_outputs_from_their_grads():
    # grad_outputs None: each output's y.grad, consumed (as chainer.backward)
    a = _a((3,))
    x = Variable(a)
    y1, y2 = x * 2.0, x * x
    y1.grad = numpy.ones(3)
    y2.grad = numpy.full(3, 2.0)
    rechain.backward([y1, y2])
    numpy.testing.assert_allclose(x.grad, 2 + 4 * a)
    assert y1.grad is None and y2.grad is None


def test_backward_output_without_grad_warns_and_is_left_out():
    # no default gradient, not even for a one-element output (chainer.backward)
    x = Variable(_a((3,)))
    x.grad = numpy.full(3, 3.0)
    with pytest.warns(RuntimeWarning, match=r"outputs\[0\] has no gradient"):
        rechain.backward([F.sum(x * 2.0)])
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 3.0))


def test_backward_same_output_twice_counts_once():
    # the first use consumes y.grad; the second finds none (as chainer.backward)
    x = Variable(_a((3,)))
    y = x * 3.0
    y.grad = numpy.ones(3)
    with pytest.warns(RuntimeWarning, match=r"outputs\[1\]"):
        rechain.backward([y, y])
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 3.0))
    x.cleargrad()
    y = x * 3.0
    rechain.backward([y, y], [numpy.ones(3), numpy.ones(3)])
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 6.0))


def test_backward_grad_outputs_must_be_a_sequence():
    x = Variable(_a((3,)))
    y = x * 2.0
    with pytest.raises(TypeError, match="grad_outputs must be a list or tuple"):
        rechain.backward([y], Variable(numpy.ones(3)))


def test_variable_backward_consumes_the_set_grad():
    # as Chainer: y.grad is the start of this backward, None afterwards (unless
    # retain_grad); a leaf's own grad is not added to itself
    x = Variable(_a((3,)))
    y = x * 2.0
    y.grad = numpy.ones(3)
    y.backward()
    assert y.grad is None
    numpy.testing.assert_allclose(x.grad, numpy.full(3, 2.0))
    y = x * 2.0
    y.grad = numpy.ones(3)
    y.backward(retain_grad=True)
    numpy.testing.assert_allclose(y.grad, numpy.ones(3))
    x.grad = numpy.ones(3)
    x.backward()
    numpy.testing.assert_allclose(x.grad, numpy.ones(3))


def test_backward_options():
    a = _a((3,))
    x = Parameter(a.copy())
    h = x * x
    y = F.sum(h)
    rechain.backward([y], [numpy.ones(())], retain_grad=True, loss_scale=2.0)
    numpy.testing.assert_allclose(h.grad, numpy.full(3, 2.0))
    numpy.testing.assert_allclose(x.grad, 4 * a)
    assert x._loss_scale == 2.0
    x.cleargrad()
    y = F.sum(x ** 3)
    y.grad = numpy.ones(())
    rechain.backward([y], enable_double_backprop=True)
    assert x.grad_var.creator is not None


# -- rechain.grad -------------------------------------------------------------------------------

def test_grad_none_output_gradient_is_ones_of_any_shape():
    # Chainer's grad(): a None initial gradient is an array of ones, whatever the shape
    a = _a((3,))
    x = Variable(a)
    gx, = rechain.grad([x * x], [x])
    numpy.testing.assert_allclose(gx.array, 2 * a)
    gx, = rechain.grad([x * x], [x], [None], loss_scale=3.0)
    numpy.testing.assert_allclose(gx.array, 6 * a)


def test_grad_inputs_start_the_input_gradients():
    # Chainer's grad_inputs: the start of each input's gradient in the pass, so the
    # one given for an input that lies behind another flows back into the earlier
    x0 = Variable(numpy.array(0.5))
    x1 = x0 * 2.0
    x2 = x1 * 3.0
    y = x2 * 5.0
    g1, g2 = rechain.grad([y], [x1, x2], grad_inputs=[numpy.array(100.0),
                                                       numpy.array(10.0)])
    numpy.testing.assert_allclose(g2.array, 5.0 + 10.0)
    numpy.testing.assert_allclose(g1.array, 3.0 * 15.0 + 100.0)


def test_grad_sequences_must_be_lists_or_tuples():
    x = Variable(_a((3,)))
    y = x * 2.0
    g = Variable(numpy.ones(3))
    with pytest.raises(TypeError, match="grad: grad_outputs must be a list or tuple"):
        rechain.grad([y], [x], g)
    with pytest.raises(TypeError, match="grad: grad_inputs must be a list or tuple"):
        rechain.grad([y], [x], [g], g)


def test_grad_returns_gradients_without_touching_grad():
    a, b = _a((3,)), _a((3,), seed=1)
    x, w = Variable(a), Variable(b)
    gx, gw = rechain.grad([F.sum(x * w)], [x, w])
    numpy.testing.assert_allclose(gx.array, b)
    numpy.testing.assert_allclose(gw.array, a)
    assert x.grad is None and w.grad is None


def test_grad_with_respect_to_an_intermediate():
    a = _a((3,))
    x = Variable(a)
    h = x * 2.0
    y = F.sum(h * h)
    gh, gx = rechain.grad([y], [h, x])
    numpy.testing.assert_allclose(gh.array, 2 * 2 * a)
    numpy.testing.assert_allclose(gx.array, 8 * a)
    assert h.grad is None and x.grad is None


def test_grad_of_unreachable_input_is_none():
    x = Variable(_a())
    other = Variable(_a(seed=4))
    const = Variable(_a(seed=5), requires_grad=False)
    gx, go, gc = rechain.grad([F.sum(x * const)], [x, other, const])
    assert gx is not None
    assert go is None
    assert gc is None


def test_grad_set_grad_replaces_grad():
    a = _a((3,))
    x = Variable(a)
    x.grad = numpy.full(3, 100.0)
    gx, = rechain.grad([F.sum(x * x)], [x], set_grad=True)
    assert x.grad_var is gx
    numpy.testing.assert_allclose(x.grad, 2 * a)


def test_grad_set_grad_on_unreachable_input_clears_it():
    x = Variable(_a())
    other = Variable(_a(seed=1))
    other.grad = numpy.ones(3)
    rechain.grad([F.sum(x * 2.0)], [x, other], set_grad=True)
    assert other.grad is None


def test_grad_inputs_are_added():
    a = _a((3,))
    x = Variable(a)
    other = Variable(_a(seed=1))
    gi = numpy.full(3, 10.0)
    gx, go = rechain.grad([F.sum(x * x)], [x, other], grad_inputs=[gi, Variable(gi)])
    numpy.testing.assert_allclose(gx.array, 2 * a + 10.0)
    numpy.testing.assert_allclose(go.array, gi)  # unreachable: only the given term
    gx, go = rechain.grad([F.sum(x * x)], [x, other], grad_inputs=[None, None])
    numpy.testing.assert_allclose(gx.array, 2 * a)
    assert go is None


def test_grad_with_grad_outputs():
    a = _a((2, 3))
    x = Variable(a)
    y1, y2 = x * 2.0, x * x
    g1, g2 = _a((2, 3), seed=1), _a((2, 3), seed=2)
    gx, = rechain.grad([y1, y2], [x], [g1, Variable(g2)])
    numpy.testing.assert_allclose(gx.array, 2 * g1 + 2 * a * g2)


def test_grad_with_a_none_grad_output_uses_one():
    a = _a((3,))
    x = Variable(a)
    gx, = rechain.grad([F.sum(x * x), x * 3.0], [x], [None, numpy.ones(3)])
    numpy.testing.assert_allclose(gx.array, 2 * a + 3)


def test_grad_retain_grad_and_loss_scale():
    a = _a((3,))
    x = Variable(a)
    h = x * 3.0
    gx, = rechain.grad([F.sum(h * h)], [x], retain_grad=True, loss_scale=0.5)
    numpy.testing.assert_allclose(gx.array, 0.5 * 18 * a)
    numpy.testing.assert_allclose(h.grad, 0.5 * 6 * a)


def test_grad_enable_double_backprop():
    a = _a((3,))
    x = Variable(a)
    gx, = rechain.grad([F.sum(x ** 3)], [x])
    assert gx.creator is None
    gx, = rechain.grad([F.sum(x ** 3)], [x], enable_double_backprop=True)
    assert gx.creator is not None
    ggx, = rechain.grad([F.sum(gx)], [x])
    numpy.testing.assert_allclose(ggx.array, 6 * a)


def test_grad_input_that_is_an_output():
    x = Variable(_a())
    y = x * 2.0
    gy, = rechain.grad([F.sum(y)], [y])
    numpy.testing.assert_array_equal(gy.array, numpy.ones(3))


def test_grad_ignores_output_grad_attribute():
    a = _a((3,))
    x = Variable(a)
    y = F.sum(x * x)
    y.grad = numpy.array(5.0)
    gx, = rechain.grad([y], [x])
    numpy.testing.assert_allclose(gx.array, 2 * a)


# -- debug mode --------------------------------------------------------------------------------

class _WrongShapeGrad(FunctionNode):
    def forward(self, inputs):
        return inputs[0] * 2,

    def backward(self, indexes, grad_outputs):
        return Variable(numpy.ones(7)),


class _ArrayGrad(FunctionNode):
    def forward(self, inputs):
        return inputs[0] * 2,

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0].array * 2,


def test_debug_mode_checks_gradient_shapes():
    x = Variable(_a((3,)))
    y, = _WrongShapeGrad().apply((x,))
    with rechain.using_config("debug", True):
        with pytest.raises(ValueError, match=r"_WrongShapeGrad\.backward: gradient of input 0 "
                                             r"has shape \(7,\), the input has shape \(3,\)"):
            F.sum(y).backward()


def test_debug_mode_checks_gradient_types():
    x = Variable(_a((3,)))
    y, = _ArrayGrad().apply((x,))
    with rechain.using_config("debug", True):
        with pytest.raises(TypeError, match=r"_ArrayGrad\.backward: gradient of input 0 must be "
                                            r"a Variable, not ndarray"):
            F.sum(y).backward()


def test_debug_mode_passes_correct_graphs():
    a = _a((2, 3))
    x = Variable(a)
    with rechain.using_config("debug", True):
        F.sum(x * x + x[0] if _has_get_item() else x * x).backward()
    assert x.grad.shape == (2, 3)


def _has_get_item():
    try:
        from rechain.functions.array import get_item  # noqa: F401
        return True
    except ImportError:
        return False


# -- traversal order ----------------------------------------------------------------------------

def test_each_node_runs_once_after_all_its_consumers():
    order = []

    class Tag(FunctionNode):
        def __init__(self, name):
            self.name = name

        def forward(self, inputs):
            return inputs[0] * 1,

        def backward(self, indexes, grad_outputs):
            order.append(self.name)
            return grad_outputs[0] * 1.0,

    x = Variable(_a())
    a, = Tag("a").apply((x,))
    b, = Tag("b").apply((a,))
    c, = Tag("c").apply((a,))
    d, = Tag("d").apply((b,))
    F.sum(d + c).backward()
    assert sorted(order) == ["a", "b", "c", "d"]
    assert order.index("a") == 3  # a waits for both consumers (b and c)
    assert order.index("d") < order.index("b")
    numpy.testing.assert_array_equal(x.grad, numpy.full(3, 2.0))


# -- FunctionNode.backward_accumulate (Chainer's API) ---------------------------

class _MulAdd(rechain.FunctionNode):
    """a * b + c whose backward adds into the gradients summed so far."""
    calls = 0

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b, c = inputs
        return a * b + c,

    def backward_accumulate(self, target_input_indexes, grad_outputs, grad_inputs):
        type(self).calls += 1
        a, b = self.get_retained_inputs()
        g, = grad_outputs
        out = []
        for i, g_in in zip(target_input_indexes, grad_inputs):
            own = g * b if i == 0 else a * g if i == 1 else g
            out.append(own if g_in is None else own + g_in)
        return tuple(out)


@pytest.mark.parametrize("mapping", [(0, 1, 2), (0, 0, 1), (0, 1, 0), (0, 0, 0)])
def test_backward_accumulate_sums_like_the_plain_ops(mapping):
    rng = numpy.random.default_rng(0)
    data = [rng.standard_normal(3).astype(numpy.float32) for _ in range(3)]
    gy = rng.standard_normal(3).astype(numpy.float32)
    first = [rechain.Variable(d.copy(), grad=d * 2) for d in data]
    second = [rechain.Variable(d.copy(), grad=d * 2) for d in data]
    a, b, c = [first[i] for i in mapping]
    h = a * 1.5                        # a gradient already summed when MulAdd runs
    y = _MulAdd().apply((h + a, b, c))[0] + h
    y.grad = gy
    calls = _MulAdd.calls
    y.backward()
    assert _MulAdd.calls == calls + 1
    a2, b2, c2 = [second[i] for i in mapping]
    h2 = a2 * 1.5
    y2 = (h2 + a2) * b2 + c2 + h2
    y2.grad = gy
    y2.backward()
    for v, w in zip(first, second):
        numpy.testing.assert_allclose(v.grad, w.grad, rtol=1e-6)


def test_default_backward_accumulate_adds_backward_to_the_given_gradients():
    x = rechain.Variable(numpy.ones(2, numpy.float32))
    y = x * 3.0
    f = y.creator
    g_out = rechain.Variable(numpy.full(2, 2.0, numpy.float32))
    g_in = rechain.Variable(numpy.full(2, 10.0, numpy.float32))
    got, = f.backward_accumulate((0,), (g_out,), (g_in,))
    numpy.testing.assert_array_equal(got.array, [16.0, 16.0])
    got, = f.backward_accumulate((0,), (g_out,), (None,))
    numpy.testing.assert_array_equal(got.array, [6.0, 6.0])


# -- checks of what a backward returns (Chainer's phrases) -------------------------------------

class _Returns(FunctionNode):
    """y = x whose backward returns the given gradients."""

    def __init__(self, gxs):
        self.gxs = gxs

    def forward(self, inputs):
        return inputs[0].copy(),

    def backward(self, indexes, grad_outputs):
        return self.gxs


@pytest.mark.parametrize("gx, error, match", [
    (numpy.array([2.0, 3.0], numpy.float32), ValueError,
     r"_Returns\.backward: gradient of input 0 has shape \(2,\), the input has shape "
     r"\(1,\) \(the shape of gradients returned from backward is incorrect\)"),
    (numpy.array([2], numpy.int64), ValueError,
     r"gradient of input 0 has dtype int64, the input has dtype float32 \(the dtype of "
     r"gradients returned from backward is incorrect\)"),
    (numpy.array([numpy.nan], numpy.float32), RuntimeError,
     r"NaN is detected on backward computation of _Returns \(gradient of input 0\)"),
])
def test_debug_mode_checks_each_gradient(gx, error, match):
    # Chainer's debug checks, with its phrases; without debug mode none of them runs
    x = Variable(numpy.ones(1, numpy.float32))
    y, = _Returns((Variable(gx),)).apply((x,))
    y.grad = numpy.ones(1, numpy.float32)
    with rechain.using_config("debug", True):
        with pytest.raises(error, match=match):
            y.backward(retain_graph=True)
    if error is RuntimeError:
        y.grad = numpy.ones(1, numpy.float32)
        y.backward()
        assert numpy.isnan(x.grad).all()




def test_wrong_number_of_gradients_names_chainer_phrase():
    x = Variable(numpy.ones(1, numpy.float32))
    y, = _Returns((None, None)).apply((x,))
    with pytest.raises(ValueError, match=r"_Returns\.backward returned 2 gradients for 1 "
                                         r"target inputs \(1 inputs\): the number of "
                                         r"gradients returned from backward is incorrect"):
        y.backward()


def test_unchained_output_of_a_multi_output_node_sends_it_no_gradient():
    # Chainer's: after h0.unchain(), a gradient that reaches h0 stays there; the
    # split reached through h1 sees none for h0
    x = Variable(numpy.arange(4.0).reshape(2, 2))
    h0, h1 = F.split_axis(x, [1], axis=0)
    y, z = F.sum(h0), F.sum(h1)
    w = y + z
    h0.unchain()
    assert rechain.grad([y], [x])[0] is None
    numpy.testing.assert_allclose(rechain.grad([w], [x])[0].array, [[0.0, 0.0], [1.0, 1.0]])
    numpy.testing.assert_allclose(rechain.grad([y], [h0])[0].array, [[1.0, 1.0]])
    w.backward()
    numpy.testing.assert_allclose(h0.grad, [[1.0, 1.0]])
    numpy.testing.assert_allclose(x.grad, [[0.0, 0.0], [1.0, 1.0]])

"""Variable: construction, attributes, gradient slots, graph surgery, operators."""

import operator

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable
from rechain import gradient_check


def _arr(shape=(2, 3), dtype=numpy.float32, seed=0):
    return numpy.random.default_rng(seed).normal(size=shape).astype(dtype)


# -- construction -------------------------------------------------------------

def test_default_construction_has_no_data():
    v = Variable()
    assert v.array is None
    assert v.data is None
    assert v.grad is None
    assert v.grad_var is None
    assert v.creator is None
    assert v.requires_grad is True
    assert v.name is None


def test_construction_keeps_the_array_object():
    a = _arr()
    v = Variable(a, name="w", requires_grad=False)
    assert v.array is a
    assert v.data is a
    assert v.name == "w"
    assert v.requires_grad is False
    assert v.node.name == "w"


def test_construction_with_grad():
    a = _arr()
    g = numpy.ones_like(a)
    v = Variable(a, grad=g)
    assert v.grad is g
    assert isinstance(v.grad_var, Variable)
    assert v.grad_var.array is g


@pytest.mark.parametrize("data,tname", [
    (3.0, "float"), (3, "int"), (True, "bool"), (numpy.float32(1.5), "float32"),
    (numpy.int64(2), "int64"),
])
def test_scalar_data_raises_type_error_naming_type(data, tname):
    with pytest.raises(TypeError, match=rf"Variable: .*scalar of type {tname}\b"):
        Variable(data)


@pytest.mark.parametrize("data,tname", [([1, 2], "list"), ((1.0,), "tuple"),
                                        ("abc", "str"), ({}, "dict")])
def test_non_array_data_raises_type_error_naming_type(data, tname):
    with pytest.raises(TypeError, match=rf"Variable: .*not {tname}$"):
        Variable(data)


def test_data_is_keyword_only_for_options():
    with pytest.raises(TypeError):
        Variable(_arr(), "name")  # name is keyword-only


# -- array / data ----------------------------------------------------------------

def test_array_setter_updates_shape_and_dtype():
    v = Variable(_arr((2, 3)))
    new = numpy.zeros((4,), numpy.float64)
    v.array = new
    assert v.array is new and v.data is new
    assert v.shape == (4,)
    assert v.dtype == numpy.float64
    assert v.node.shape == (4,)
    assert v.node.dtype == numpy.float64
    v.data = _arr((5,))
    assert v.shape == (5,)


def test_array_setter_rejects_scalars():
    v = Variable(_arr())
    with pytest.raises(TypeError, match=r"Variable\.array: .*float"):
        v.array = 1.0


# -- attributes ------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64, numpy.int32])
def test_shape_dtype_ndim_size(shape, dtype):
    a = numpy.zeros(shape, dtype)
    v = Variable(a)
    assert v.shape == shape
    assert v.dtype == dtype
    assert v.ndim == len(shape)
    assert v.size == a.size


@pytest.mark.parametrize("shape", [(3,), (2, 3), (5, 1, 2)])
def test_len_is_first_dimension(shape):
    assert len(Variable(numpy.zeros(shape, numpy.float32))) == shape[0]


def test_len_of_zero_dim_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(Variable(numpy.array(1.0, numpy.float32)))


def test_T_transposes_values_and_gradient():
    a = _arr((2, 3))
    v = Variable(a)
    t = v.T
    assert t.shape == (3, 2)
    numpy.testing.assert_array_equal(t.array, a.T)
    w = numpy.arange(6, dtype=numpy.float32).reshape(3, 2)
    F.sum(t * w).backward()
    numpy.testing.assert_array_equal(v.grad, w.T)


@pytest.mark.parametrize("shape", [(), (1,), (1, 1)])
def test_item_of_one_element(shape):
    v = Variable(numpy.full(shape, 2.5, numpy.float32))
    assert v.item() == 2.5
    assert isinstance(v.item(), float)


def test_item_of_many_elements_raises_naming_shape():
    with pytest.raises(ValueError, match=r"Variable\.item: .*shape \(2, 3\)"):
        Variable(_arr((2, 3))).item()


def test_name_is_settable():
    v = Variable(_arr())
    v.name = "hidden"
    assert v.name == "hidden"
    assert "hidden" in repr(v)


def test_requires_grad_setter():
    v = Variable(_arr())
    v.requires_grad = False
    assert v.requires_grad is False
    y = v * 2.0
    assert y.creator is None  # no input requires grad: no graph


def test_creator_is_the_function_node():
    x = Variable(_arr())
    y = x * x
    assert isinstance(y.creator, rechain.FunctionNode)
    assert y.creator_node is y.creator
    assert y.creator.inputs[0] is x.node
    assert x.creator is None
    assert y.rank == 1 and x.rank == 0


# -- gradient slots ------------------------------------------------------------------

def test_grad_setter_and_getter():
    v = Variable(_arr((2, 3)))
    g = numpy.full((2, 3), 7.0, numpy.float32)
    v.grad = g
    assert v.grad is g
    assert v.grad_var.array is g
    # a gradient set by hand is a leaf that requires a gradient (Chainer's)
    assert v.grad_var.requires_grad is True and v.grad_var.creator is None
    v.grad = None
    assert v.grad is None and v.grad_var is None


def test_double_backprop_reaches_a_gradient_set_by_hand():
    x = Variable(numpy.array([1.0, 2.0, 3.0]))
    y = x * x
    y.grad = numpy.array([1.0, 10.0, 100.0])
    gy = y.grad_var
    y.backward(enable_double_backprop=True)
    gx = x.grad_var
    assert gx.requires_grad is True
    gx.grad = numpy.array([1.0, 1.0, 1.0])
    gx.backward()
    # gx = 2 x gy, so d(sum gx)/d gy = 2 x
    numpy.testing.assert_array_equal(gy.grad, [2.0, 4.0, 6.0])


def test_grad_setter_shape_mismatch_names_both_shapes():
    v = Variable(_arr((2, 3)), name="W")
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(2, 3\)"):
        v.grad = numpy.zeros((3, 2), numpy.float32)
    assert v.grad is None  # unchanged


def test_grad_setter_rejects_scalar():
    v = Variable(_arr((2, 3)))
    with pytest.raises(TypeError, match=r"Variable\.grad"):
        v.grad = 1.0


def test_grad_var_setter():
    v = Variable(_arr((2, 3)))
    g = Variable(numpy.ones((2, 3), numpy.float32))
    v.grad_var = g
    assert v.grad_var is g
    assert v.grad is g.array


def test_grad_var_setter_shape_mismatch_names_both_shapes():
    v = Variable(_arr((2, 3)))
    with pytest.raises(ValueError, match=r"\(4,\).*\(2, 3\)"):
        v.grad_var = Variable(numpy.zeros((4,), numpy.float32))


def test_grad_var_setter_rejects_arrays():
    v = Variable(_arr((2, 3)))
    with pytest.raises(TypeError, match=r"grad_var must be a Variable or None, not ndarray"):
        v.grad_var = numpy.zeros((2, 3), numpy.float32)


def test_grad_setter_dtype_mismatch_raises():
    v = Variable(_arr((2, 3), numpy.float32))
    with pytest.raises(TypeError, match=r"float64.*float32|float32.*float64"):
        v.grad = numpy.zeros((2, 3), numpy.float64)


def test_cleargrad():
    x = Variable(_arr())
    F.sum(x * x).backward()
    assert x.grad is not None
    x.cleargrad()
    assert x.grad is None and x.grad_var is None


def test_zerograd():
    x = Variable(_arr((2, 3), numpy.float64))
    with pytest.warns(DeprecationWarning, match="Variable.zerograd is deprecated"):
        x.zerograd()
    assert x.grad.shape == (2, 3)
    assert x.grad.dtype == numpy.float64
    assert not x.grad.any()
    # Gradients then accumulate onto the zeros.
    F.sum(x * 3.0).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.full((2, 3), 3.0))


def test_addgrad():
    a = Variable(_arr())
    b = Variable(_arr(seed=1))
    a.addgrad(b)  # b has no grad: nothing happens
    assert a.grad is None
    b.grad = numpy.full((2, 3), 2.0, numpy.float32)
    a.addgrad(b)
    numpy.testing.assert_array_equal(a.grad, numpy.full((2, 3), 2.0))
    a.addgrad(b)
    numpy.testing.assert_array_equal(a.grad, numpy.full((2, 3), 4.0))
    numpy.testing.assert_array_equal(b.grad, numpy.full((2, 3), 2.0))  # source untouched


def test_addgrad_shape_mismatch_raises():
    a = Variable(numpy.ones(3, numpy.float32))
    b = Variable(numpy.ones((2, 3), numpy.float32))
    b.grad = numpy.ones((2, 3), numpy.float32)
    with pytest.raises((ValueError, TypeError), match=r"\(2, 3\).*\(3,\)|\(3,\).*\(2, 3\)"):
        a.addgrad(b)


def test_copydata_copies_in_place():
    a = _arr((2, 3))
    dst = Variable(a)
    src = Variable(_arr((2, 3), seed=5))
    dst.copydata(src)
    assert dst.array is a  # same buffer
    numpy.testing.assert_array_equal(a, src.array)
    assert dst.array is not src.array
    dst.copydata(numpy.ones((2, 3), numpy.float32))  # from an ndarray too
    numpy.testing.assert_array_equal(a, 1.0)


def test_copydata_into_uninitialized():
    dst = Variable()
    src = Variable(_arr())
    dst.copydata(src)
    numpy.testing.assert_array_equal(dst.array, src.array)
    assert dst.array is not src.array


# -- graph surgery ---------------------------------------------------------------

def test_creator_node_setter_and_set_creator_node_rank_as_chainer():
    v = Variable(_arr((3,)))
    f = rechain.FunctionNode()
    f.rank = 10
    v.set_creator_node(f)
    assert v.creator_node is f and v.rank == 11
    v.creator_node = None
    assert v.creator_node is None and v.rank == 11


def test_unchain_stops_gradient_flow():
    x = Variable(_arr((3,)))
    y = x * 2.0
    z = y * 3.0
    rank = y.rank
    y.unchain()
    assert y.creator is None
    assert y.rank == rank == 1  # kept, as in Chainer
    F.sum(z).backward()
    assert x.grad is None  # nothing flows past y
    numpy.testing.assert_array_equal(y.grad, numpy.full((3,), 3.0))


def test_unchain_before_use_makes_a_leaf():
    x = Variable(_arr((3,)))
    y = x * 2.0
    y.unchain()
    F.sum(y * y).backward()
    assert x.grad is None
    numpy.testing.assert_allclose(y.grad, 2 * y.array)


def test_unchain_backward_cuts_the_whole_graph():
    x = Variable(_arr((3,)))
    h1 = x * 2.0
    h2 = h1 + 1.0
    y = h2 * h2
    f_y, f_h2, f_h1 = y.creator, h2.creator, h1.creator
    y.unchain_backward()
    assert y.creator is None and h2.creator is None and h1.creator is None
    for f in (f_y, f_h2, f_h1):
        assert f.inputs is None
        assert f._retained_in is None
    F.sum(y).backward()
    assert x.grad is None and h1.grad is None and h2.grad is None
    numpy.testing.assert_array_equal(y.grad, numpy.ones(3))


class _TwoOutputs(rechain.FunctionNode):
    def forward(self, inputs):
        x, = inputs
        return x + 1, x * 3

    def backward(self, indexes, grad_outputs):
        g0, g1 = grad_outputs
        gx = None if g0 is None else g0
        if g1 is not None:
            gx = g1 * 3.0 if gx is None else gx + g1 * 3.0
        return gx,


def test_unchain_backward_turns_sibling_outputs_into_leaves():
    x = Variable(_arr((3,), numpy.float64))
    a, b = _TwoOutputs().apply((x,))
    y = a * 2.0
    z = b * 3.0
    y.unchain_backward()
    F.sum(z).backward()
    assert x.grad is None
    numpy.testing.assert_array_equal(b.grad, numpy.full(3, 3.0))


def test_unchain_backward_leaves_other_branches_usable():
    x = Variable(_arr((3,)))
    h = x * 2.0
    a = h * 3.0
    b = h * 5.0
    a.unchain_backward()  # also cuts h's creator
    F.sum(b).backward()
    assert x.grad is None
    numpy.testing.assert_array_equal(h.grad, numpy.full((3,), 5.0))


# -- array methods -----------------------------------------------------------------

@pytest.mark.parametrize("args,shape", [
    ((3, 2), (3, 2)), ((6,), (6,)), (((3, 2),), (3, 2)), ((-1, 3), (2, 3)),
    (([1, 6, 1],), (1, 6, 1))])
def test_reshape_method(args, shape):
    a = _arr((2, 3), numpy.float64)
    x = Variable(a)
    y = x.reshape(*args)
    assert y.shape == shape
    numpy.testing.assert_array_equal(y.array, a.reshape(shape))
    w = numpy.arange(6.0).reshape(shape)
    F.sum(y * w).backward()
    numpy.testing.assert_array_equal(x.grad, w.reshape(2, 3))


@pytest.mark.parametrize("args,perm", [((), (2, 1, 0)), ((None,), (2, 1, 0)),
                                       ((1, 0, 2), (1, 0, 2)), (((2, 0, 1),), (2, 0, 1))])
def test_transpose_method(args, perm):
    a = _arr((2, 3, 4), numpy.float64)
    x = Variable(a)
    y = x.transpose(*args)
    numpy.testing.assert_array_equal(y.array, a.transpose(perm))
    w = numpy.random.default_rng(1).normal(size=y.shape)
    F.sum(y * w).backward()
    numpy.testing.assert_array_equal(x.grad, w.transpose(numpy.argsort(perm)))


def test_sum_method():
    a = _arr((2, 3), numpy.float64)
    x = Variable(a)
    numpy.testing.assert_allclose(x.sum(axis=1).array, a.sum(axis=1))
    numpy.testing.assert_allclose(x.sum(axis=0, keepdims=True).array,
                                  a.sum(axis=0, keepdims=True))
    numpy.testing.assert_allclose(x.sum().array, a.sum())


def test_mean_method():
    a = _arr((2, 3), numpy.float64)
    x = Variable(a)
    numpy.testing.assert_allclose(x.mean().array, a.mean())
    numpy.testing.assert_allclose(x.mean(axis=0, keepdims=True).array,
                                  a.mean(axis=0, keepdims=True))


def _get_item():
    try:
        from rechain.functions.array import get_item  # noqa: F401
    except ImportError:
        pytest.skip("rechain/functions/array/get_item.py (another helper) is missing")


@pytest.mark.parametrize("key", [1, slice(0, 2), (slice(None), 1), (Ellipsis, -1),
                                 (None, 0), numpy.array([0, 0, 2])])
def test_getitem_values_and_gradient(key):
    _get_item()
    a = _arr((3, 4), numpy.float64)
    x = Variable(a)
    y = x[key]
    numpy.testing.assert_array_equal(y.array, a[key])
    w = numpy.random.default_rng(2).normal(size=numpy.shape(a[key]))
    F.sum(y * w).backward()
    expect = numpy.zeros_like(a)
    numpy.add.at(expect, key, w)  # an element picked twice gets both gradients
    numpy.testing.assert_allclose(x.grad, expect)


# -- python protocol ---------------------------------------------------------------

def test_bool_raises():
    v = Variable(numpy.array([1.0], numpy.float32))
    with pytest.raises(TypeError, match="ambiguous"):
        bool(v)
    with pytest.raises(TypeError):
        if v:
            pass


def test_hash_is_identity():
    a = Variable(numpy.ones(2, numpy.float32))
    b = Variable(numpy.ones(2, numpy.float32))
    assert hash(a) == object.__hash__(a)
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2
    assert len({a, b, a}) == 2


def test_repr_and_str_show_values_and_name():
    v = Variable(numpy.array([1.5, -2.0], numpy.float32), name="weight")
    # Chainer's layout: the name after "variable", rows aligned under the first
    assert repr(v) == "variable weight([ 1.5, -2. ])"
    assert str(v) == "variable weight([ 1.5 -2. ])"
    m = Variable(numpy.zeros((2, 2), numpy.float32))
    assert repr(m) == "variable([[0., 0.],\n          [0., 0.]])"
    assert repr(Variable(numpy.zeros((0, 3), numpy.float32))) == "variable([], shape=(0, 3))"


# -- arithmetic ----------------------------------------------------------------------

_BINARY = [
    ("add", operator.add), ("sub", operator.sub), ("mul", operator.mul),
    ("truediv", operator.truediv), ("pow", operator.pow),
]


def _positive(shape, dtype=numpy.float64, seed=0):
    return numpy.random.default_rng(seed).uniform(0.5, 2.0, size=shape).astype(dtype)


@pytest.mark.parametrize("name,op", _BINARY)
@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((2, 3), (3,)), ((1, 3), (2, 1)),
                                   ((), (2, 3)), ((2, 3), ())])
def test_binary_variable_variable(name, op, sa, sb):
    a, b = _positive(sa, seed=1), _positive(sb, seed=2)
    y = op(Variable(a), Variable(b))
    numpy.testing.assert_allclose(y.array, op(a, b), rtol=1e-12)
    gy = numpy.random.default_rng(3).normal(size=numpy.broadcast_shapes(sa, sb))

    def f(x1, x2):
        out = op(x1.reshape(sa), x2.reshape(sb))
        return out
    gradient_check.check_backward(f, (a.reshape(sa or (1,)), b.reshape(sb or (1,))), gy)


@pytest.mark.parametrize("name,op", _BINARY)
@pytest.mark.parametrize("c", [2.0, 3, numpy.float64(1.5), numpy.float32(0.5), numpy.int64(2)])
def test_binary_variable_scalar_both_sides(name, op, c):
    a = _positive((2, 3))
    y = op(Variable(a), c)
    numpy.testing.assert_allclose(y.array, op(a, c), rtol=1e-12)
    r = op(c, Variable(a))
    assert isinstance(r, Variable)
    numpy.testing.assert_allclose(r.array, op(c, a), rtol=1e-12)
    gy = numpy.random.default_rng(4).normal(size=(2, 3))
    gradient_check.check_backward(lambda x: op(x, c), a, gy)
    gradient_check.check_backward(lambda x: op(c, x), a, gy)


@pytest.mark.parametrize("name,op", _BINARY)
def test_binary_variable_ndarray_both_sides(name, op):
    a = _positive((2, 3))
    b = _positive((3,), seed=7)
    y = op(Variable(a), b)
    numpy.testing.assert_allclose(y.array, op(a, b), rtol=1e-12)
    r = op(b, Variable(a))  # ndarray on the left defers to Variable
    assert isinstance(r, Variable)
    numpy.testing.assert_allclose(r.array, op(b, a), rtol=1e-12)
    gy = numpy.random.default_rng(5).normal(size=(2, 3))
    gradient_check.check_backward(lambda x: op(x, b), a, gy)
    gradient_check.check_backward(lambda x: op(b, x), a, gy)


def test_scalar_operand_is_not_a_graph_input():
    x = Variable(_positive((3,)))
    y = x * 2.0
    assert len(y.creator.inputs) == 1
    y = 2.0 ** x
    assert len(y.creator.inputs) == 1


def test_ndarray_operand_is_a_constant_input():
    x = Variable(_positive((3,)))
    y = x * numpy.ones(3)
    assert len(y.creator.inputs) == 2
    assert y.creator.inputs[1].requires_grad is False
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, numpy.ones(3))


def test_unary_operators():
    a = numpy.array([-1.5, 2.0, -0.25])
    x = Variable(a)
    numpy.testing.assert_array_equal((-x).array, -a)
    assert (+x) is x
    numpy.testing.assert_array_equal(abs(x).array, numpy.abs(a))
    gradient_check.check_backward(lambda v: -v, a, numpy.ones(3))
    gradient_check.check_backward(lambda v: abs(v), a, numpy.array([1.0, 2.0, 3.0]))


def test_same_variable_on_both_sides():
    a = numpy.array([1.0, 2.0, 3.0])
    x = Variable(a)
    F.sum(x * x + x / x - x).backward()
    numpy.testing.assert_allclose(x.grad, 2 * a - 1.0)


def test_matmul_operator():
    pytest.importorskip("rechain.functions.math.matmul")
    a, b = _arr((2, 3), numpy.float64), _arr((3, 4), numpy.float64, seed=1)
    numpy.testing.assert_allclose((Variable(a) @ Variable(b)).array, a @ b)
    numpy.testing.assert_allclose((a @ Variable(b)).array, a @ b)
    numpy.testing.assert_allclose((Variable(a) @ b).array, a @ b)


def test_float_base_to_integer_variable_power():
    y = 2.5 ** Variable(numpy.array([1, 2]))
    numpy.testing.assert_allclose(y.array, [2.5, 6.25])


def test_pow_zero_gradient_at_zero():
    x = Variable(numpy.array([0.0, 2.0]))
    F.sum(x ** 0).backward()
    numpy.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_pow_with_nonpositive_constant_base_raises():
    with pytest.raises(ValueError, match=r"pow: .*positive.*-2"):
        (-2.0) ** Variable(numpy.ones(2))


# -- comparisons -----------------------------------------------------------------

_CMP = [operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne]


@pytest.mark.parametrize("op", _CMP)
def test_comparisons_return_bool_variables(op):
    a = numpy.array([1.0, 2.0, 3.0], numpy.float32)
    b = numpy.array([2.0, 2.0, 2.0], numpy.float32)
    for other, ref in ((Variable(b), b), (b, b), (2.0, 2.0), (numpy.float32(2), 2.0)):
        r = op(Variable(a), other)
        assert isinstance(r, Variable)
        assert r.dtype == numpy.bool_
        assert r.creator is None and r.requires_grad is False
        numpy.testing.assert_array_equal(r.array, op(a, ref))
    r = op(b, Variable(a))  # ndarray on the left is reflected
    assert isinstance(r, Variable)
    numpy.testing.assert_array_equal(r.array, op(b, a))


def test_zero_dim_comparison_is_an_ndarray():
    r = Variable(numpy.array(1.0, numpy.float32)) > 0
    assert type(r.array) is numpy.ndarray


def test_comparison_with_unsupported_type():
    x = Variable(numpy.ones(2, numpy.float32))
    assert (x == "a") is False
    assert (x != None) is True  # noqa: E711
    with pytest.raises(TypeError):
        x < "a"


# -- dtype preservation --------------------------------------------------------------

@pytest.mark.parametrize("expr", [
    lambda x: x * 2.0, lambda x: 2.0 * x, lambda x: 2.0 ** x, lambda x: x / numpy.float64(3),
    lambda x: x ** 2, lambda x: x ** 2.5, lambda x: x ** numpy.float64(3), lambda x: x + 1,
    lambda x: x - numpy.float64(1), lambda x: numpy.float64(2) * x,
    lambda x: numpy.float64(2) - x, lambda x: 1.0 / x, lambda x: numpy.float64(3) / x,
    lambda x: x + numpy.int64(2), lambda x: -x, lambda x: abs(x), lambda x: x * x,
])
def test_float32_stays_float32(expr):
    x = Variable(numpy.array([0.5, 1.0, 2.0], numpy.float32))
    y = expr(x)
    assert y.dtype == numpy.float32
    F.sum(y).backward()
    assert x.grad.dtype == numpy.float32


# -- 0-d results ---------------------------------------------------------------------

def test_zero_dim_results_are_ndarrays():
    x = Variable(numpy.array(2.0, numpy.float32))
    y = x * x
    assert type(y.array) is numpy.ndarray and y.shape == ()
    s = F.sum(Variable(numpy.ones(3, numpy.float32)))
    assert type(s.array) is numpy.ndarray
    assert Variable(s.array).shape == ()
    for z in (x + x, x - 1.0, 2.0 / x, x ** 2, -x, abs(x), 2.0 ** x):
        assert type(z.array) is numpy.ndarray, z


def test_zero_dim_single_contribution_grad_is_ndarray():
    x = Variable(numpy.array(2.0, numpy.float32))
    (x * 3.0).backward()
    assert type(x.grad) is numpy.ndarray


def test_zero_dim_accumulated_grad_is_ndarray():
    x = Variable(numpy.array(2.0, numpy.float32))
    (x * x).backward()  # two contributions to x
    assert type(x.grad) is numpy.ndarray
    x.grad *= 2  # in-place update as optimizers and hooks do
    assert x.grad == 8.0


# -- copy and pickle ----------------------------------------------------------------

def test_deepcopy_gives_an_independent_leaf():
    import copy
    x = Variable(_arr((2, 3)), name="x")
    y = x * 2.0
    y.grad = numpy.ones((2, 3), numpy.float32)
    z = copy.deepcopy(y)
    assert z is not y and z.node is not y.node
    assert z.creator is None  # a copy is a new leaf
    assert z.name == y.name
    numpy.testing.assert_array_equal(z.array, y.array)
    assert z.array is not y.array
    numpy.testing.assert_array_equal(z.grad, y.grad)
    z.array[...] = 0
    assert y.array.any()  # independent data
    assert y.creator is not None  # the original is untouched


def test_shallow_copy_shares_the_array_but_not_the_node():
    import copy
    x = Variable(_arr((3,)), requires_grad=False)
    c = copy.copy(x)
    assert c.array is x.array
    assert c.node is not x.node
    assert c.requires_grad is False


def test_pickle_round_trip():
    import pickle
    x = Variable(_arr((2, 2)), name="p", grad=numpy.ones((2, 2), numpy.float32))
    r = pickle.loads(pickle.dumps(x))
    assert isinstance(r, Variable) and r.name == "p"
    numpy.testing.assert_array_equal(r.array, x.array)
    numpy.testing.assert_array_equal(r.grad, x.grad)


def test_mean_with_weights_is_average():
    import rechain.functions as F
    x = Variable(numpy.arange(6, dtype=numpy.float32).reshape(2, 3))
    w = numpy.array([1.0, 2.0, 3.0], numpy.float32)
    numpy.testing.assert_allclose(x.mean(axis=1, weights=w).array,
                                  F.average(x, axis=1, weights=w).array)
    numpy.testing.assert_allclose(x.mean(axis=0, keepdims=True).array,
                                  x.array.mean(axis=0, keepdims=True))


def test_debug_print():
    a = numpy.arange(6, dtype=numpy.float32).reshape(2, 3)
    v = rechain.Variable(a, name="h")
    lines = v.debug_print().splitlines()
    assert lines == ["<h shape=(2, 3) dtype=float32>", "- device: CPU",
                     "- backend: <class 'numpy.ndarray'>", "- shape: (2, 3)",
                     "- dtype: float32",
                     f"- statistics: mean={a.mean():.8f}, std={a.std():.8f}", "- grad: None"]
    v.grad = numpy.zeros_like(a)
    assert v.debug_print().splitlines()[-1] == "- grad: 0"
    v.grad = -a
    assert v.debug_print().splitlines()[-1] == f"- grad: mean={-a.mean():.8f}, std={a.std():.8f}"


def test_debug_print_of_an_empty_variable():
    lines = rechain.Variable().debug_print().splitlines()
    assert lines[0] == "<variable (no array)>"
    assert lines[1:] == [f"- {k}: None" for k in
                         ("device", "backend", "shape", "dtype", "statistics", "grad")]


def test_variable_node_data_and_grad_follow_the_variable():
    x = rechain.Variable(numpy.ones((3, 2), numpy.float32))
    node = x.node
    assert node.data is x.array and node.grad is None
    x.array = numpy.ones((2, 4))
    assert node.data is x.array and node.data.shape == (2, 4)
    x.grad = numpy.full((2, 4), 2.0)
    assert node.grad is x.grad
    del x
    assert node.data is None and node.grad is None


# -- Chainer's node and constructor details ------------------------------------------

def test_variable_node_signature_and_chainer_names():
    v = Variable(_arr((2, 5)))
    node = rechain.variable.VariableNode(v, "n")
    assert node.name == "n" and node.requires_grad is True and node.rank == 0
    with pytest.raises(ValueError, match="grad argument is not supported"):
        rechain.variable.VariableNode(v, "", grad=None)
    with pytest.raises(TypeError, match="unexpected keyword"):
        rechain.variable.VariableNode(v, "", spam=1)
    v.node._requires_grad = False  # Chainer's attribute name
    assert v.requires_grad is False and v.node._requires_grad is False


@pytest.mark.parametrize("shape, label", [((2, 5), "(2, 5), float32"), ((1,), "(1), float32"),
                                          ((), "float32"), ((0, 3), "(0, 3), float32")])
def test_label_is_chainers(shape, label):
    assert Variable(numpy.zeros(shape, numpy.float32)).label == label


def test_init_unchecked():
    a = _arr((3,))
    v = Variable._init_unchecked(a, name="v", requires_grad=False)
    assert v.array is a and v.name == "v" and v.requires_grad is False
    assert isinstance(v.node, rechain.variable.VariableNode) and v.node.get_variable_or_none() is v
    w = Variable._init_unchecked(a, is_chainerx_array=False, node=v.node)
    assert w.node is v.node
    with pytest.raises(ValueError, match="ChainerX"):
        Variable._init_unchecked(a, is_chainerx_array=True)


def test_addgrad_initializes_an_uninitialized_parameter():
    x = rechain.Parameter()
    y = rechain.Parameter(_arr((3, 2)))
    y.grad = numpy.full((3, 2), 2.0, numpy.float32)
    x.cleargrad()
    x.addgrad(y)
    assert x.array is not None and x.shape == (3, 2)
    numpy.testing.assert_array_equal(x.grad, y.grad)


def test_backward_from_a_one_element_non_scalar_warns_as_chainer():
    import warnings
    x = Variable(numpy.array([42.0], numpy.float32))
    with pytest.warns(DeprecationWarning, match=r"shape \(1,\) is taken as a scalar"):
        (x * 2.0).backward()
    numpy.testing.assert_array_equal(x.grad, [2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.sum(x * 2.0).backward()       # 0-d: no warning
        y = x * 2.0
        y.grad = numpy.ones(1, numpy.float32)
        y.backward()                    # a gradient given: no warning
    numpy.testing.assert_array_equal(x.grad, [6.0])

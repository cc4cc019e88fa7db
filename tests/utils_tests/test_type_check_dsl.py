"""Chainer's type-check DSL in rechain.utils.type_check: expressions, expect,
light mode, InvalidType's two forms."""

import pickle

import numpy
import pytest

from rechain.utils import type_check as T


# -- expressions: values and text ------------------------------------------------

def test_atoms_evaluate_and_print():
    assert str(T.Constant(10)) == "10" and T.Constant(10).eval() == 10
    assert str(T.Constant("a")) == "'a'"
    v = T.Variable(3, "x")
    assert str(v) == "x" and v.eval() == 3


def test_attribute_item_and_call():
    class Obj:
        width = 7

    o = T.Variable(Obj(), "o")
    assert str(o.width) == "o.width" and o.width.eval() == 7
    assert str(T.GetAttr(o, T.Constant("width"))) == "o.width"
    assert str(T.GetAttr(o, 3)) == "getattr(o, 3)"
    xs = T.Variable([1, 2, 3], "xs")
    assert str(xs[1]) == "xs[1]" and xs[1].eval() == 2
    assert str(xs[1:]) == "xs[1:]" and xs[1:].eval() == [2, 3]
    assert str(xs[::2]) == "xs[::2]"
    assert str(xs[...]) == "xs[...]"
    assert str(xs[0, 1:2]) == "xs[0, 1:2]"
    f = T.Variable(sum, "sum")
    assert str(f([1, 2])) == "sum([1, 2])" and f([1, 2]).eval() == 3
    assert str(f(("a",))) == "sum(('a',))"


def test_every_operator_prints_and_evaluates():
    x, y = T.Variable(7, "x"), T.Variable(2, "y")
    cases = [
        (x + y, "x + y", 9), (1 + x, "1 + x", 8), (x - y, "x - y", 5),
        (10 - x, "10 - x", 3), (x * y, "x * y", 14), (3 * x, "3 * x", 21),
        (x / y, "x / y", 3.5), (14 / x, "14 / x", 2.0), (x // y, "x // y", 3),
        (15 // x, "15 // x", 2), (x % y, "x % y", 1), (15 % x, "15 % x", 1),
        (x ** y, "x ** y", 49), (2 ** y, "2 ** y", 4), (x << y, "x << y", 28),
        (1 << y, "1 << y", 4), (x >> y, "x >> y", 1), (64 >> y, "64 >> y", 16),
        (x & y, "x & y", 2), (3 & y, "3 & y", 2), (x | y, "x | y", 7),
        (8 | y, "8 | y", 10), (x ^ y, "x ^ y", 5), (1 ^ y, "1 ^ y", 3),
        (-x, "-x", -7), (+x, "+x", 7), (~x, "~x", -8),
    ]
    for e, text, value in cases:
        assert isinstance(e, T.Expr)
        assert str(e) == text
        assert e.eval() == value, text


def test_parentheses_follow_precedence_and_associativity():
    x = T.Variable(2, "x")
    assert str(x + x - x) == "x + x - x"
    assert str(x + (x - x)) == "x + (x - x)"
    assert str((x + x) * x) == "(x + x) * x"
    assert str(x << (x << x)) == "x << (x << x)"
    assert str(x ** x ** x) == "x ** x ** x"
    assert str((x ** x) ** x) == "(x ** x) ** x"
    assert (x ** x ** x).eval() == 16 and ((x ** x) ** x).eval() == 16
    assert str(-(x + x)) == "-(x + x)"
    assert str(-x ** x) == "-x ** x" and (-x ** x).eval() == -4
    assert str((-x) ** x) == "(-x) ** x"
    assert str(x * x == x + x) == "x * x == x + x"


def test_priorities_order():
    x, y = T.Variable(1, "x"), T.Variable(1, "y")
    assert ((x | y).priority < (x ^ y).priority < (x & y).priority < (x << y).priority
            < (x + y).priority < (x * y).priority < (-x).priority < (x ** y).priority
            < x.priority)


def test_comparisons_and_their_failure_text():
    x = T.Variable(1, "x")
    for e, ok in [(x == 1, True), (x != 1, False), (x < 2, True), (x <= 0, False),
                  (x > 0, True), (x >= 2, False)]:
        assert isinstance(e, T.BoolBinaryOperator)
        assert e.eval() is ok
    with pytest.raises(T.InvalidType) as e:
        (x >= 2).expect()
    assert str(e.value) == "Expect: x >= 2\nActual: 1 < 2"
    assert e.value.expect == "x >= 2" and e.value.actual == "1 < 2"


def test_expr_refuses_bool():
    x = T.Variable(1, "x")
    with pytest.raises(RuntimeError, match="cannot be evaluated as bool"):
        bool(x == 1)
    with pytest.raises(RuntimeError):
        (x == 1) and (x == 2)   # noqa: B015
    with pytest.raises(RuntimeError):
        not (x == 1)   # noqa: B015


def test_lazy_errors_come_at_evaluation():
    t = T.Constant(0)
    assert isinstance(t[1], T.Expr) and isinstance(t.foo, T.Expr) and isinstance(t(), T.Expr)
    with pytest.raises(TypeError):
        t[1].eval()
    with pytest.raises(AttributeError):
        t.foo.eval()
    with pytest.raises(TypeError):
        t().eval()


def test_lists_and_tuples_of_expressions():
    assert (T.Constant([0]) == [T.Constant(0)]).eval()
    assert (T.Constant((0, 1)) == (T.Constant(0), 1)).eval()
    assert T._repr(()) == "()" and T._repr((T.Constant(0),)) == "(0,)"
    assert T._repr([[T.Constant(0)], 1]) == "[[0], 1]"


def test_prod():
    assert str(T.prod([])) == "prod([])"
    assert T.prod([2, 3]).eval() == 6
    with T.light_mode:
        assert T.prod([2, 3]) == 6


# -- type information -------------------------------------------------------------

def test_get_types():
    x = numpy.zeros((2, 3, 4), numpy.float32)
    ts = T.get_types((x,), "in_types", False)
    assert isinstance(ts, T.TypeInfoTuple) and ts.name == "in_types" and len(ts) == 1
    t = ts[0]
    assert str(t) == "in_types[0]"
    assert str(t.shape[1]) == "in_types[0].shape[1]" and t.shape[1].eval() == 3
    assert t.ndim.eval() == 3 and t.dtype.eval() == numpy.float32
    assert t.size.eval() == 24
    assert str(ts.size()) == "in_types.size" and ts.size().eval() == 1
    assert T.get_types((None,), "g", True)[0].eval().dtype is None
    with pytest.raises(AssertionError):
        T.get_types(x, "in_types", False)
    assert T.get_types((x,), "in", False, shapes=((4, 6),))[0].ndim.eval() == 2


def test_get_light_types():
    x = numpy.zeros((2, 3), numpy.int32)
    ts = T.get_light_types((x,))
    assert isinstance(ts, T.LightTypeInfoTuple) and ts.size() == 1
    assert ts[0].shape == (2, 3) and ts[0].dtype == numpy.int32 and ts[0].ndim == 2
    ts = T.get_light_types((x,), shapes=((3, 2),))
    assert ts[0].shape == (3, 2) and ts[0].size == 6


def test_same_types():
    assert T.same_types(numpy.zeros(1), numpy.zeros((2, 2)))
    assert not T.same_types(numpy.zeros(1), [1.0])


# -- expect, modes ---------------------------------------------------------------------

def test_expect_full_mode_reports_first_failed_condition():
    t = T.get_types((numpy.zeros((5,), numpy.float64),), "in_types", False)[0]
    T.expect(t.ndim == 1, t.shape[0] == 5)
    with pytest.raises(T.InvalidType) as e:
        T.expect(t.ndim == 1, t.dtype == numpy.float32, t.ndim >= 2)
    assert str(e.value) == ("Expect: in_types[0].dtype == <class 'numpy.float32'>\n"
                            "Actual: float64 != <class 'numpy.float32'>")
    with pytest.raises(TypeError, match="not a comparison"):
        T.expect(t.ndim)


def test_light_mode_works_on_plain_values_and_nests():
    x = numpy.zeros((5,), numpy.float32)
    assert not T.in_light_mode()
    with T.light_mode:
        assert T.in_light_mode()
        t, = T.get_light_types((x,))
        assert T.eval(t.ndim) == 1 and T.make_variable(3, "n") == 3
        T.expect(t.ndim == 1, t.dtype == numpy.float32)
        with pytest.raises(T.InvalidType):
            T.expect(t.ndim == 1, t.ndim >= 2)
        with T.light_mode:
            assert T.in_light_mode()
        assert T.in_light_mode()
    assert not T.in_light_mode()
    assert isinstance(T.make_variable(3, "n"), T.Variable)


def test_argname_names_variables_and_checks_count():
    ts = T.get_types((numpy.zeros(2), numpy.zeros(3)), "in_types", False)
    T.argname(ts, ("x", "W"))
    assert str(ts[1].shape[0] == 2) == "W.shape[0] == 2"
    with pytest.raises(T.InvalidType) as e:
        T.argname(ts, ("x",))
    assert str(e.value) == "Invalid number of arguments"
    assert e.value.expect == "1 argument(s)" and e.value.actual == "2 argument(s)"


def test_expect_broadcast_shapes():
    a, b = T.get_types((numpy.zeros((2, 3)), numpy.zeros((4,))), "in_types", False)
    T.expect_broadcast_shapes(a.shape, (1, 3))
    with pytest.raises(T.InvalidType, match=r"in_types\[0\].shape = \(2, 3\)"):
        T.expect_broadcast_shapes(a.shape, b.shape)


# -- InvalidType ----------------------------------------------------------------------------

def test_invalid_type_one_argument_form_is_the_message():
    e = T.InvalidType("f: x must be 2-d, got shape (3,)")
    assert str(e) == "f: x must be 2-d, got shape (3,)"
    assert isinstance(e, TypeError) and isinstance(e, ValueError)


def test_invalid_type_chainer_form_and_pickle():
    e = T.InvalidType("a == b", "1 != 2")
    assert str(e) == "Expect: a == b\nActual: 1 != 2"
    e = T.InvalidType("foo", "bar", "baz")
    assert str(e) == "baz"
    new = pickle.loads(pickle.dumps(e))
    assert new.args == e.args and new.expect == "foo" and new.actual == "bar"
    one = pickle.loads(pickle.dumps(T.InvalidType("whole message")))
    assert str(one) == "whole message"


def test_function_check_context_heads_the_message():
    class Fn:
        label = "MyFunc"

    with T.get_function_check_context(Fn()):
        e = T.InvalidType("x", "y")
        plain = T.InvalidType("the whole message")
    assert str(e) == "\nInvalid operation is performed in: MyFunc (Forward)\n\nExpect: x\nActual: y"
    assert str(plain) == "the whole message"
    assert str(T.InvalidType("x", "y")) == "Expect: x\nActual: y"

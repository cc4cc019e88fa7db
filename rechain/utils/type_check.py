"""Checks of operation inputs that fail loudly and specifically.

Two layers live here.

rechain's own helpers (``expect_float``, ``expect_same_shape``,
``broadcast_shapes``, ...): every message names the function, the argument
and the offending shape or dtype. Checks run while ``config.type_check`` is
True (the default); wrappers call them before applying their function node.

Chainer's type-check DSL, for user code: a FunctionNode (or an old-style
Function) that defines ``check_type_forward(self, in_types)`` has it called
by ``apply`` before ``forward`` while ``config.type_check`` is on. The check
runs twice at most, as in Chainer:

1. *light mode* (:data:`light_mode`): ``in_types`` is a
   :class:`LightTypeInfoTuple` of the input arrays themselves, so
   ``x_type.ndim >= 2`` is a plain bool and :func:`expect` only tests truth.
   This is the cheap pass every successful call takes.
2. only if that raised :class:`InvalidType`: *full mode*, where ``in_types``
   is a :class:`TypeInfoTuple` of :class:`Variable` expressions named
   ``in_types[i]``. Operators on an :class:`Expr` build a syntax tree instead
   of a value, so :func:`expect` can report both the condition and the values
   it saw::

       Invalid operation is performed in: MyFunc (Forward)

       Expect: in_types[0].ndim >= 2
       Actual: 1 < 2

An :class:`Expr` refuses ``bool()`` (``and``/``or``/``not`` would silently
drop conditions); pass several conditions to :func:`expect` instead.
"""

import contextlib
import operator
import threading

import numpy

from rechain import configuration


_local = threading.local()     # light_mode flag and the function being checked


class InvalidType(TypeError, ValueError):
    """Raised when an operation receives inputs of the wrong shape or dtype.

    It is both a TypeError and a ValueError, so code catching either sees it.

    Two forms:

    * ``InvalidType(message)``: the whole message (rechain's own checks);
    * ``InvalidType(expect, actual, msg=None)``: Chainer's form. Without
      ``msg`` the message is ``Expect: <expect>\nActual: <actual>``, headed by
      ``Invalid operation is performed in: <label> (Forward)`` while a
      function's full-mode check runs (:func:`get_function_check_context`).

    Attributes:
        expect: What the check required (the message, in the one-argument form).
        actual: What it found (None in the one-argument form).
    """

    def __init__(self, expect, actual=None, msg=None):
        if msg is None:
            if actual is None:
                msg = str(expect)
            else:
                msg = f"Expect: {expect}\nActual: {actual}"
                f = getattr(_local, "current_function", None)
                if f is not None:
                    msg = (f"\nInvalid operation is performed in: {f.label} (Forward)"
                           f"\n\n{msg}")
        super().__init__(msg)
        self.expect = expect
        self.actual = actual

    def __reduce__(self):
        return (type(self), (self.expect, self.actual, self.args[0]))


def enabled():
    return configuration.config.type_check


def _fmt_shape(shape):
    return str(tuple(shape))


def expect_array(fname, argname, x):
    """``x`` must be a Variable or an array (not a list, a scalar or None)."""
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        raise InvalidType(f"{fname}: {argname} must be a Variable or an ndarray, not "
                          f"{type(x).__name__}")


def expect_float(fname, argname, x):
    """``x`` (array or Variable) must have a floating-point dtype."""
    expect_array(fname, argname, x)
    if x.dtype.kind != "f":
        raise InvalidType(f"{fname}: {argname} must have a floating-point dtype, "
                          f"got {x.dtype} (shape {_fmt_shape(x.shape)})")


def expect_kind(fname, argname, x, kinds, what):
    expect_array(fname, argname, x)
    if x.dtype.kind not in kinds:
        raise InvalidType(f"{fname}: {argname} must have {what} dtype, got {x.dtype} "
                          f"(shape {_fmt_shape(x.shape)})")


def expect_same_dtype(fname, names, xs):
    d0 = xs[0].dtype
    for n, x in zip(names[1:], xs[1:]):
        if x.dtype != d0:
            raise InvalidType(f"{fname}: {names[0]} and {n} must have the same dtype, "
                              f"got {d0} and {x.dtype}")


def expect_same_shape(fname, names, xs):
    s0 = xs[0].shape
    for n, x in zip(names[1:], xs[1:]):
        if x.shape != s0:
            raise InvalidType(f"{fname}: {names[0]} and {n} must have the same shape, "
                              f"got {_fmt_shape(s0)} and {_fmt_shape(x.shape)}")


def expect_ndim(fname, argname, x, ndim, at_least=False):
    ok = x.ndim >= ndim if at_least else x.ndim == ndim
    if not ok:
        want = f"at least {ndim}" if at_least else f"{ndim}"
        raise InvalidType(f"{fname}: {argname} must have {want} dimensions, "
                          f"got shape {_fmt_shape(x.shape)}")


def broadcast_shapes(fname, names, shapes):
    """Return the broadcast shape, or raise naming every operand's shape."""
    try:
        return numpy.broadcast_shapes(*shapes)
    except ValueError:
        desc = ", ".join(f"{n} {_fmt_shape(s)}" for n, s in zip(names, shapes))
        raise InvalidType(f"{fname}: shapes cannot be broadcast together: {desc}") from None


def normalize_axis(fname, axis, ndim, argname="axis", shape=None):
    """Return ``axis`` as a non-negative int, or raise naming the input's shape."""
    if not isinstance(axis, (int, numpy.integer)) or isinstance(axis, bool):
        raise TypeError(f"{fname}: {argname} must be an int, not {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        what = f"of shape {_fmt_shape(shape)}" if shape is not None else f"with {ndim} dimensions"
        raise InvalidType(f"{fname}: {argname}={axis} is out of range for an input {what}")
    return int(axis) % ndim if ndim else 0


def normalize_axes(fname, axis, ndim, argname="axis", shape=None):
    """Return ``axis`` (None, int or tuple) as a sorted tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, numpy.integer)):
        axis = (axis,)
    elif not isinstance(axis, (tuple, list)):
        raise TypeError(f"{fname}: {argname} must be None, an int or a tuple of ints, "
                        f"not {type(axis).__name__}")
    axes = tuple(normalize_axis(fname, a, ndim, argname, shape) for a in axis)
    if len(set(axes)) != len(axes):
        what = f" of an input of shape {_fmt_shape(shape)}" if shape is not None else ""
        raise InvalidType(f"{fname}: {argname}={tuple(axis)} repeats an axis{what}")
    return tuple(sorted(axes))


# ---------------------------------------------------------------------------
# Chainer's type-check DSL (see the module docstring)
# ---------------------------------------------------------------------------

@contextlib.contextmanager
def get_function_check_context(f):
    """While active, full-mode :class:`InvalidType` messages name ``f.label``."""
    prev = getattr(_local, "current_function", None)
    _local.current_function = f
    try:
        yield
    finally:
        _local.current_function = prev


class _LightMode:
    """``with light_mode:`` runs checks on plain values (see the module docstring).

    Nesting is allowed: leaving restores the mode that was active before.
    """

    def __enter__(self):
        stack = getattr(_local, "light_stack", None)
        if stack is None:
            stack = _local.light_stack = []
        stack.append(getattr(_local, "light", False))
        _local.light = True

    def __exit__(self, exc_type, exc_value, traceback):
        _local.light = _local.light_stack.pop()


LightMode = _LightMode
light_mode = _LightMode()


def in_light_mode():
    """True inside ``with light_mode:`` on this thread."""
    return getattr(_local, "light", False)


class TypeInfo:
    """Shape and dtype of one array, independent of the array's device.

    Attributes:
        shape (tuple of int), dtype, ndim (int); ``size`` is the product of
        the shape (a property, as an array's).
    """

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype
        self.ndim = len(shape)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def __repr__(self):
        return f"TypeInfo(shape={self.shape}, dtype={self.dtype})"


class TypeInfoTuple(tuple):
    """Full-mode ``in_types``: a tuple of :class:`Variable` expressions, one per
    input, each holding a :class:`TypeInfo`; ``name`` is the tuple's name."""

    name = "in_types"

    def size(self):
        """The tuple's length, as an expression named ``<name>.size``."""
        return Variable(len(self), f"{self.name}.size")


class LightTypeInfoTuple(tuple):
    """Light-mode ``in_types``: the input arrays (or :class:`TypeInfo`) themselves."""

    def size(self):
        """The tuple's length (an int)."""
        return len(self)


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, Expr)


def _type_variable(name, index, x, accept_none, shape):
    label = f"{name}[{index}]"
    if x is None and accept_none:
        return Variable(TypeInfo((), None), label)
    if not _is_array(x):
        raise AssertionError(f"type_check.get_types: {label} must be an array, not "
                             f"{type(x).__name__}")
    return Variable(TypeInfo(tuple(shape), x.dtype), label)


def get_types(data, name, accept_none, *, shapes=None):
    """Full-mode type information of the arrays ``data`` (a tuple).

    Returns a :class:`TypeInfoTuple` named ``name``; element ``i`` is a
    :class:`Variable` named ``<name>[i]``. ``accept_none`` lets an element be
    None (an absent gradient: shape ``()``, dtype None). ``shapes`` overrides
    the arrays' shapes.
    """
    if not isinstance(data, tuple):
        raise AssertionError(f"type_check.get_types: data must be a tuple, not "
                             f"{type(data).__name__}")
    if shapes is None:
        shapes = [None if x is None else x.shape for x in data]
    info = TypeInfoTuple([_type_variable(name, i, x, accept_none, s)
                          for i, (x, s) in enumerate(zip(data, shapes))])
    info.name = name
    return info


def get_light_types(data, *, shapes=None):
    """Light-mode type information of the arrays ``data`` (a tuple): the arrays
    themselves, or :class:`TypeInfo` with the given ``shapes``."""
    if not isinstance(data, tuple):
        raise AssertionError(f"type_check.get_light_types: data must be a tuple, not "
                             f"{type(data).__name__}")
    if shapes is not None:
        data = [TypeInfo(tuple(s), x.dtype) for x, s in zip(data, shapes)]
    return LightTypeInfoTuple(data)


def _value(v):
    """Evaluate ``v``: an Expr's value, lists and tuples element-wise."""
    if isinstance(v, Expr):
        return v.eval()
    if isinstance(v, list):
        return [_value(e) for e in v]
    if isinstance(v, tuple):
        return tuple([_value(e) for e in v])
    return v


def _repr(v):
    """Source text of ``v``: an Expr's ``str``, lists/tuples element-wise, else repr."""
    if isinstance(v, Expr):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(map(_repr, v)) + "]"
    if isinstance(v, tuple):
        if len(v) == 1:
            return f"({_repr(v[0])},)"
        return "(" + ", ".join(map(_repr, v)) + ")"
    return repr(v)


_eval_expr = _value


def _subscript_text(key):
    if key is Ellipsis:
        return "..."
    if isinstance(key, slice):
        parts = ["" if p is None else _repr(p) for p in (key.start, key.stop)]
        if key.step is not None:
            parts.append(_repr(key.step))
        return ":".join(parts)
    if isinstance(key, tuple):
        return ", ".join(map(_subscript_text, key))
    return _repr(key)


# Priorities follow Python's operator precedence (higher binds tighter).
_P_ATOM, _P_POW, _P_UNARY, _P_MUL, _P_ADD, _P_SHIFT, _P_AND, _P_XOR, _P_OR, _P_BOOL = (
    8, 7, 6, 5, 4, 3, 2, 1, 0, -1)


def _binary(symbol, priority, func, right_associative=False, reflected=False):
    if reflected:
        def op(self, other):
            return BinaryOperator(priority, other, self, symbol, func, right_associative)
    else:
        def op(self, other):
            return BinaryOperator(priority, self, other, symbol, func, right_associative)
    return op


def _compare(symbol, inverse, func):
    def op(self, other):
        return BoolBinaryOperator(self, other, symbol, inverse, func)
    return op


def _unary(symbol, func):
    def op(self):
        return UnaryOperator(_P_UNARY, self, symbol, func)
    return op


class Expr:
    """A syntax tree of an expression over type information, not a value.

    Operators, attribute access, indexing and calls on an Expr build larger
    trees; ``eval()`` computes the value and ``str()`` gives the source text.
    Comparisons build :class:`BoolBinaryOperator` trees for :func:`expect`.
    An Expr cannot be converted to bool (``RuntimeError``): ``and``, ``or``
    and ``not`` would drop conditions silently.

    Attributes:
        priority (int): Precedence of the root operator (8 for atoms).
    """

    def __init__(self, priority):
        self.priority = priority

    def eval(self):
        """The value of the expression."""
        raise NotImplementedError(f"{type(self).__name__}.eval is not implemented")

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)     # protocol probes (copy, pickle) are not syntax
        return GetAttr(self, name)

    def __getitem__(self, key):
        return GetItem(self, key)

    def __call__(self, *args):
        return Call(self, args)

    def __bool__(self):
        raise RuntimeError("An Expr instance cannot be evaluated as bool (and, or, not "
                           "and if need a value): pass each condition to "
                           "type_check.expect, or call type_check.eval(expr)")

    __hash__ = None

    __eq__ = _compare("==", "!=", operator.eq)
    __ne__ = _compare("!=", "==", operator.ne)
    __lt__ = _compare("<", ">=", operator.lt)
    __le__ = _compare("<=", ">", operator.le)
    __gt__ = _compare(">", "<=", operator.gt)
    __ge__ = _compare(">=", "<", operator.ge)

    __add__ = _binary("+", _P_ADD, operator.add)
    __radd__ = _binary("+", _P_ADD, operator.add, reflected=True)
    __sub__ = _binary("-", _P_ADD, operator.sub)
    __rsub__ = _binary("-", _P_ADD, operator.sub, reflected=True)
    __mul__ = _binary("*", _P_MUL, operator.mul)
    __rmul__ = _binary("*", _P_MUL, operator.mul, reflected=True)
    __truediv__ = _binary("/", _P_MUL, operator.truediv)
    __rtruediv__ = _binary("/", _P_MUL, operator.truediv, reflected=True)
    __floordiv__ = _binary("//", _P_MUL, operator.floordiv)
    __rfloordiv__ = _binary("//", _P_MUL, operator.floordiv, reflected=True)
    __mod__ = _binary("%", _P_MUL, operator.mod)
    __rmod__ = _binary("%", _P_MUL, operator.mod, reflected=True)
    __pow__ = _binary("**", _P_POW, operator.pow, right_associative=True)
    __rpow__ = _binary("**", _P_POW, operator.pow, right_associative=True, reflected=True)
    __lshift__ = _binary("<<", _P_SHIFT, operator.lshift)
    __rlshift__ = _binary("<<", _P_SHIFT, operator.lshift, reflected=True)
    __rshift__ = _binary(">>", _P_SHIFT, operator.rshift)
    __rrshift__ = _binary(">>", _P_SHIFT, operator.rshift, reflected=True)
    __and__ = _binary("&", _P_AND, operator.and_)
    __rand__ = _binary("&", _P_AND, operator.and_, reflected=True)
    __xor__ = _binary("^", _P_XOR, operator.xor)
    __rxor__ = _binary("^", _P_XOR, operator.xor, reflected=True)
    __or__ = _binary("|", _P_OR, operator.or_)
    __ror__ = _binary("|", _P_OR, operator.or_, reflected=True)

    __neg__ = _unary("-", operator.neg)
    __pos__ = _unary("+", operator.pos)
    __invert__ = _unary("~", operator.invert)


class Atom(Expr):
    """An expression that needs no parentheses."""

    def __init__(self):
        super().__init__(_P_ATOM)


class Constant(Atom):
    """A literal value; its text is the value's repr."""

    def __init__(self, value):
        super().__init__()
        self.value = value

    def __str__(self):
        return _repr(self.value)

    def eval(self):
        return self.value


class Variable(Atom):
    """A named value; its text is the name."""

    def __init__(self, value, name):
        super().__init__()
        self.value = value
        self.name = name

    def __str__(self):
        return self.name

    def eval(self):
        return self.value


class GetAttr(Atom):
    """``obj.name`` (``name`` a str, or an expression giving one)."""

    def __init__(self, obj, name):
        super().__init__()
        self.obj = obj
        self.name = name

    def __str__(self):
        name = self.name
        if isinstance(name, Constant):
            name = name.value
        if isinstance(name, str):
            return f"{_repr(self.obj)}.{name}"
        return f"getattr({_repr(self.obj)}, {_repr(self.name)})"

    def eval(self):
        return getattr(_value(self.obj), _value(self.name))


class GetItem(Atom):
    """``obj[key]``."""

    def __init__(self, obj, key):
        super().__init__()
        self.obj = obj
        self.key = key

    def __str__(self):
        return f"{_repr(self.obj)}[{_subscript_text(self.key)}]"

    def eval(self):
        return _value(self.obj)[_value(self.key)]


class Call(Atom):
    """``obj(*args)``."""

    def __init__(self, obj, args):
        if not isinstance(args, tuple):
            raise AssertionError(f"type_check.Call: args must be a tuple, not "
                                 f"{type(args).__name__}")
        super().__init__()
        self.obj = obj
        self.args = args

    def __str__(self):
        return f"{_repr(self.obj)}({', '.join(map(_repr, self.args))})"

    def eval(self):
        func = _value(self.obj)
        return func(*[_value(a) for a in self.args])


class UnaryOperator(Expr):
    """A prefix operator ``exp`` (text) applying ``func`` to ``term``."""

    def __init__(self, priority, term, exp, func):
        super().__init__(priority)
        self.term = term
        self.exp = exp
        self.func = func

    def eval(self):
        return self.func(_value(self.term))

    def __str__(self):
        text = _repr(self.term)
        if isinstance(self.term, Expr) and self.term.priority < self.priority:
            text = f"({text})"
        return self.exp + text


class BinaryOperator(Expr):
    """An infix operator ``exp`` (text) applying ``func`` to ``lhs`` and ``rhs``.

    ``str`` parenthesizes an operand of lower precedence, and one of equal
    precedence on the side the operator does not associate to.
    """

    def __init__(self, priority, lhs, rhs, exp, func, right_associative=False):
        super().__init__(priority)
        self.lhs = lhs
        self.rhs = rhs
        self.exp = exp
        self.func = func
        self.right_associative = right_associative

    def _eval_left(self):
        return _value(self.lhs)

    def _eval_right(self):
        return _value(self.rhs)

    def eval(self):
        return self.func(self._eval_left(), self._eval_right())

    def _operand(self, v, tie_needs_parens):
        text = _repr(v)
        if isinstance(v, Expr) and (v.priority < self.priority or
                                    (tie_needs_parens and v.priority == self.priority)):
            text = f"({text})"
        return text

    def __str__(self):
        left = self._operand(self.lhs, self.right_associative)
        right = self._operand(self.rhs, not self.right_associative)
        return f"{left} {self.exp} {right}"


class Testable:
    """An expression :func:`expect` can test (it has ``expect()``)."""

    def expect(self):
        raise NotImplementedError(f"{type(self).__name__}.expect is not implemented")


class BoolBinaryOperator(BinaryOperator, Testable):
    """A comparison; ``inv`` is the text of its negation, used in messages."""

    def __init__(self, lhs, rhs, exp, inv, func):
        BinaryOperator.__init__(self, _P_BOOL, lhs, rhs, exp, func)
        self.inv = inv

    def expect(self):
        """Raise :class:`InvalidType` unless the comparison holds."""
        left = self._eval_left()
        right = self._eval_right()
        if not self.func(left, right):
            raise InvalidType(f"{self.lhs} {self.exp} {self.rhs}",
                              f"{left} {self.inv} {right}")


def expect(*bool_exprs):
    """Test each condition in order; raise :class:`InvalidType` at the first false one.

    In light mode the conditions are plain values and only their truth is
    tested (the message is empty: the full-mode pass gives the details). In
    full mode each is a comparison :class:`Expr`; a plain value (a
    condition that involves no type information) is tested for truth.
    """
    if in_light_mode():
        for e in bool_exprs:
            if not e:
                raise InvalidType("", "")
        return
    for e in bool_exprs:
        if isinstance(e, Testable):
            e.expect()
        elif isinstance(e, Expr):
            raise TypeError(f"type_check.expect: {e} is not a comparison; pass "
                            f"conditions such as x.ndim == 2")
        elif not e:
            raise InvalidType("a true condition", repr(e))


def eval(exp):
    """The value of ``exp`` (an Expr in full mode, already a value in light mode)."""
    if in_light_mode():
        return exp
    return _value(exp)


def make_variable(value, name):
    """``value`` as a :class:`Variable` named ``name`` (the value itself in light mode)."""
    if in_light_mode():
        return value
    return Variable(value, name)


def _make_variable_from_array(array, name):
    if not _is_array(array):
        raise InvalidType(f"isinstance({name}, ndarray)", f"type({name}) == {type(array)}")
    if in_light_mode():
        return array
    return Variable(TypeInfo(array.shape, array.dtype), name)


def argname(in_types, names):
    """Name the elements of ``in_types`` (``names``: one str per input) for messages;
    raise :class:`InvalidType` when the counts differ."""
    if len(in_types) != len(names):
        raise InvalidType(f"{len(names)} argument(s)", f"{len(in_types)} argument(s)",
                          "Invalid number of arguments")
    for t, n in zip(in_types, names):
        if isinstance(t, Variable):
            t.name = n


_argname = argname


def same_types(*arrays):
    """True if all arrays are NumPy arrays, or all are CuPy arrays."""
    if all(isinstance(x, numpy.ndarray) for x in arrays):
        return True
    return all(type(x).__module__.startswith("cupy") for x in arrays)


def _prod_impl(xs):
    n = 1
    for x in xs:
        n *= x
    return n


_prod = Variable(_prod_impl, "prod")


def prod(xs):
    """Product of ``xs`` (an expression ``prod(...)`` in full mode)."""
    if in_light_mode():
        return _prod_impl(xs)
    return _prod(xs)


def expect_broadcast_shapes(*shape_types):
    """Raise :class:`InvalidType` unless the shapes (expressions or tuples) broadcast."""
    shapes = [eval(s) for s in shape_types]
    try:
        numpy.broadcast_shapes(*[tuple(s) for s in shapes])
    except ValueError:
        lines = ["cannot broadcast inputs of the following shapes:"]
        lines += [f"{t} = {s}" for t, s in zip(shape_types, shapes)]
        raise InvalidType("", "", msg="\n".join(lines)) from None

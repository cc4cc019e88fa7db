"""Arithmetic operators of Variable: + - * / ** @, unary -, abs, comparisons.

Binary operators broadcast like NumPy. A Python or NumPy scalar operand stays
a *constant* of the operation (no graph input), and is passed to NumPy as a
Python scalar so that float32 data stays float32 (NEP 50 weak scalars).

Note [array fast path]: these are the most frequent operations, so when a
backward builds no graph (``enable_backprop`` is False: no double backprop)
and no broadcasting is involved, Add, Sub, Mul and MulConstant compute their
gradients on arrays and wrap them as constants, which is what the Variable
code would produce, minus the per-operation overhead. The Variable code below
it is the reference and is what double backprop runs.
"""

import numbers

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import sum_to
from rechain.utils import type_check

Variable = variable.Variable
_array_types = backend.array_types
_constant = variable._constant
_config = configuration.config
_ndarray = numpy.ndarray


def _array_grad(y):
    """A constant gradient from an array result (0-d results come back as scalars)."""
    if type(y) is not _ndarray and isinstance(y, numpy.generic):
        y = numpy.asarray(y)
    return _constant(y)


def _scalar(value):
    """A Python scalar for a scalar operand, or None if it is not one."""
    if isinstance(value, numpy.generic):  # before float: numpy.float64 is a float
        return value.item() if value.dtype.kind in "iuf" else None
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return None


def _operand(fname, value, side, x):
    """Turn the other operand of Variable ``x`` into a Variable or a scalar.

    An array operand becomes a constant of ``x``'s dtype (cast when it differs,
    as Chainer does: a float32 Variable times a float64 array is float32). A
    Variable operand is left alone: two Variables of different dtypes raise in
    the type check. Anything else raises.
    """
    if isinstance(value, Variable):
        return value
    if isinstance(value, _array_types):
        dtype = x._data.dtype
        if value.dtype != dtype:
            value = value.astype(dtype)
        v = _constant(value)
        variable._remember_data(v._node, value)  # function_node Note [freeing backward]
        return v
    s = _scalar(value)
    if s is None:
        raise TypeError(f"{fname}: unsupported {side} operand of type {type(value).__name__}")
    return s


def _check_binary(fname, a, b):
    if a.shape != b.shape:
        type_check.broadcast_shapes(fname, ("lhs", "rhs"), (a.shape, b.shape))
    if a.dtype != b.dtype and type_check.enabled() and "b" not in (a.dtype.kind, b.dtype.kind):
        raise type_check.InvalidType(
            f"{fname}: operands must have the same dtype, got lhs {a.dtype} {a.shape} "
            f"and rhs {b.dtype} {b.shape}; cast one with F.cast")


def _reduce(gx, shape):
    if gx is None or gx.shape == shape:
        return gx
    return sum_to(gx, shape)


class Add(function_node.FunctionNode):
    _shapes = None  # (a.shape, b.shape) when they differ (broadcasting)

    def forward(self, inputs):
        a, b = inputs
        if a.shape != b.shape:
            self._shapes = (a.shape, b.shape)
        return a + b,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if self._shapes is None:
            return (gy,) * len(indexes)
        sa, sb = self._shapes
        return tuple([_reduce(gy, sa if i == 0 else sb) for i in indexes])


class AddConstant(function_node.FunctionNode):
    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        return inputs[0] + self.value,

    def backward(self, indexes, grad_outputs):
        return grad_outputs


class Sub(function_node.FunctionNode):
    _shapes = None  # (a.shape, b.shape) when they differ (broadcasting)

    def forward(self, inputs):
        a, b = inputs
        if a.shape != b.shape:
            self._shapes = (a.shape, b.shape)
        return a - b,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if self._shapes is None:
            if not _config.enable_backprop:  # Note [array fast path]
                return tuple([gy if i == 0 else _array_grad(-gy._data) for i in indexes])
            return tuple([gy if i == 0 else -gy for i in indexes])
        sa, sb = self._shapes
        return tuple([_reduce(gy, sa) if i == 0 else _reduce(-gy, sb) for i in indexes])


class SubFromConstant(function_node.FunctionNode):
    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        return self.value - inputs[0],

    def backward(self, indexes, grad_outputs):
        return -grad_outputs[0],


class Mul(function_node.FunctionNode):
    _shapes = None  # (a.shape, b.shape) when they differ (broadcasting)
    _in_retain = (0, 1)  # always both: declared once (as retain_inputs((0, 1)) would)

    def forward(self, inputs):
        a, b = inputs
        if a.shape != b.shape:
            self._shapes = (a.shape, b.shape)
        return a * b,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if self._shapes is None and not _config.enable_backprop:  # Note [array fast path]
            a, b = self._retained_in if self._handler is None else self._handled(0)
            g = gy._data
            if len(indexes) == 2:
                ga, gb = g * b, g * a
                if type(ga) is _ndarray and type(gb) is _ndarray:
                    return _constant(ga), _constant(gb)
                return _array_grad(ga), _array_grad(gb)
            return (_array_grad(g * b) if indexes[0] == 0 else _array_grad(g * a)),
        a, b = self.get_retained_inputs()
        if self._shapes is None:
            return tuple([gy * b if i == 0 else gy * a for i in indexes])
        sa, sb = self._shapes
        return tuple([_reduce(gy * b, sa) if i == 0 else _reduce(gy * a, sb)
                      for i in indexes])


class MulConstant(function_node.FunctionNode):
    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        return inputs[0] * self.value,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if not _config.enable_backprop:  # Note [array fast path]
            return _array_grad(gy._data * self.value),
        return gy * self.value,


class Div(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        self._shapes = (a.shape, b.shape)
        return a / b,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        a, b = self.get_retained_inputs()
        sa, sb = self._shapes
        ga = gy / b
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(_reduce(ga, sa))
            else:
                ret.append(_reduce(-ga * a / b, sb))
        return tuple(ret)


class DivFromConstant(function_node.FunctionNode):
    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        self.retain_inputs((0,))
        return self.value / inputs[0],

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * (-self.value) / (x * x),


class Neg(function_node.FunctionNode):
    def forward(self, inputs):
        return -inputs[0],

    def backward(self, indexes, grad_outputs):
        return -grad_outputs[0],


class PowVarConst(function_node.FunctionNode):
    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        return x ** self.value,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        p = self.value
        if p == 0:
            return grad_outputs[0] * 0.0,
        if p == 2:
            return grad_outputs[0] * (x * 2),
        return grad_outputs[0] * (p * x ** (p - 1)),


class PowConstVar(function_node.FunctionNode):
    def __init__(self, value):
        self.value = value

    def forward(self, inputs):
        self.retain_outputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        # A Python scalar base: float32 stays float32 (NEP 50), ints promote.
        y = xp.power(self.value, x)
        return (numpy.asarray(y) if isinstance(y, numpy.generic) else y),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return grad_outputs[0] * y * float(numpy.log(self.value)),


class PowVarVar(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0, 1))
        self.retain_outputs((0,))
        a, b = inputs
        self._shapes = (a.shape, b.shape)
        return a ** b,

    def backward(self, indexes, grad_outputs):
        from rechain.functions.math.exponential import log
        gy, = grad_outputs
        a, b = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        sa, sb = self._shapes
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(_reduce(gy * b * a ** (b - 1), sa))
            else:
                ret.append(_reduce(gy * y * log(a), sb))
        return tuple(ret)


class Absolute(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0,))
        return abs(inputs[0]),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x._data)
        return grad_outputs[0] * _constant(xp.sign(x._data)),


# -- operator entry points ------------------------------------------------------

def add(lhs, rhs):
    if isinstance(rhs, Variable):
        a, b = lhs._data, rhs._data
        if a.shape != b.shape or (a.dtype is not b.dtype and a.dtype != b.dtype):
            _check_binary("add", a, b)
        return Add().apply((lhs, rhs))[0]
    rhs = _operand("add", rhs, "right", lhs)
    if not isinstance(rhs, Variable):
        return AddConstant(rhs).apply((lhs,))[0]
    return add(lhs, rhs)


def _radd(self, other):
    other = _operand("add", other, "left", self)
    if isinstance(other, Variable):
        return add(other, self)
    return AddConstant(other).apply((self,))[0]


def sub(lhs, rhs):
    rhs = _operand("sub", rhs, "right", lhs)
    if not isinstance(rhs, Variable):
        return AddConstant(-rhs).apply((lhs,))[0]
    if lhs._data.shape != rhs._data.shape or lhs._data.dtype != rhs._data.dtype:
        _check_binary("sub", lhs._data, rhs._data)
    return Sub().apply((lhs, rhs))[0]


def _rsub(self, other):
    other = _operand("sub", other, "left", self)
    if isinstance(other, Variable):
        return sub(other, self)
    return SubFromConstant(other).apply((self,))[0]


def mul(lhs, rhs):
    if isinstance(rhs, Variable):
        a, b = lhs._data, rhs._data
        if a.shape != b.shape or (a.dtype is not b.dtype and a.dtype != b.dtype):
            _check_binary("mul", a, b)
        return Mul().apply((lhs, rhs))[0]
    rhs = _operand("mul", rhs, "right", lhs)
    if not isinstance(rhs, Variable):
        return MulConstant(rhs).apply((lhs,))[0]
    return mul(lhs, rhs)


def _rmul(self, other):
    other = _operand("mul", other, "left", self)
    if isinstance(other, Variable):
        return mul(other, self)
    return MulConstant(other).apply((self,))[0]


def div(lhs, rhs):
    rhs = _operand("div", rhs, "right", lhs)
    if not isinstance(rhs, Variable):
        return MulConstant(1.0 / rhs).apply((lhs,))[0]
    if lhs._data.shape != rhs._data.shape or lhs._data.dtype != rhs._data.dtype:
        _check_binary("div", lhs._data, rhs._data)
    return Div().apply((lhs, rhs))[0]


def _rdiv(self, other):
    other = _operand("div", other, "left", self)
    if isinstance(other, Variable):
        return div(other, self)
    return DivFromConstant(other).apply((self,))[0]


def neg(x):
    return Neg().apply((x,))[0]


def pow(lhs, rhs):
    rhs = _operand("pow", rhs, "right", lhs)
    if not isinstance(rhs, Variable):
        if rhs == 1:
            return lhs * 1
        return PowVarConst(rhs).apply((lhs,))[0]
    if lhs._data.shape != rhs._data.shape or lhs._data.dtype != rhs._data.dtype:
        _check_binary("pow", lhs._data, rhs._data)
    return PowVarVar().apply((lhs, rhs))[0]


def _rpow(self, other):
    other = _operand("pow", other, "left", self)
    if isinstance(other, Variable):
        return pow(other, self)
    if other <= 0:
        raise ValueError(f"pow: a constant base must be positive to differentiate "
                         f"base ** Variable, got {other}")
    return PowConstVar(other).apply((self,))[0]


def absolute(x):
    """Elementwise absolute value; the gradient at 0 is 0.

    Example:
        >>> F.absolute(np.array([-1., 2.], np.float32)).array
        array([1., 2.], dtype=float32)
    """
    return Absolute().apply((x,))[0]


def _matmul(self, other):
    from rechain.functions.math.matmul import matmul
    return matmul(self, _operand("matmul", other, "right", self))


def _rmatmul(self, other):
    from rechain.functions.math.matmul import matmul
    return matmul(_operand("matmul", other, "left", self), self)


def _compare(op, name):
    def method(self, other):
        if isinstance(other, Variable):
            other = other._data
        elif not isinstance(other, _array_types) and _scalar(other) is None:
            return NotImplemented
        result = op(self._data, other)
        if isinstance(result, numpy.generic):  # 0-d comparisons give NumPy scalars
            result = numpy.asarray(result)
        return _constant(result)
    method.__name__ = name
    method.__doc__ = f"Elementwise ``{name}`` as a boolean Variable (not differentiable)."
    return method


def _floordiv(lhs, rhs):
    """``lhs // rhs``: ``F.floor(lhs / rhs)``, as Chainer defines it (its
    gradient is zero wherever it exists)."""
    from rechain.functions.math.rounding import floor
    return floor(div(lhs, rhs))


def _rfloordiv(self, other):
    from rechain.functions.math.rounding import floor
    return floor(_rdiv(self, other))


def install_variable_arithmetics():
    """Attach the operators above to :class:`Variable`."""
    import operator
    V = Variable
    V.__add__ = add
    V.__radd__ = _radd
    V.__sub__ = sub
    V.__rsub__ = _rsub
    V.__mul__ = mul
    V.__rmul__ = _rmul
    V.__truediv__ = div
    V.__rtruediv__ = _rdiv
    V.__floordiv__ = _floordiv
    V.__rfloordiv__ = _rfloordiv
    V.__neg__ = neg
    V.__pos__ = lambda self: self
    V.__abs__ = absolute
    V.__pow__ = pow
    V.__rpow__ = _rpow
    V.__matmul__ = _matmul
    V.__rmatmul__ = _rmatmul
    for name, op in (("__lt__", operator.lt), ("__le__", operator.le),
                     ("__gt__", operator.gt), ("__ge__", operator.ge),
                     ("__eq__", operator.eq), ("__ne__", operator.ne)):
        setattr(V, name, _compare(op, name))
    V.__hash__ = object.__hash__

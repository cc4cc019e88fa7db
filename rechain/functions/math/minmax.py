"""Elementwise maximum/minimum, reductions max/min and argmax/argmin."""

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to, sum_to
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check

_constant = variable.Variable._constant


# -- elementwise ---------------------------------------------------------------

class _Extremum(function_node.FunctionNode):
    """maximum (``is_max``) or minimum of two arrays, broadcasting."""

    def __init__(self, is_max):
        self.is_max = is_max

    @property
    def label(self):
        return "Maximum" if self.is_max else "Minimum"

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        self._shapes = (a.shape, b.shape)
        xp = backend.get_array_module(a, b)
        return (xp.maximum(a, b) if self.is_max else xp.minimum(a, b)),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        a, b = self.get_retained_inputs()
        # Ties go to the first operand.
        to_a = a.array >= b.array if self.is_max else a.array <= b.array
        dtype = gy.dtype
        ret = []
        for i in indexes:
            if i == 0:
                g = gy * _constant(to_a.astype(dtype))
            else:
                g = gy * _constant((~to_a).astype(dtype))
            shape = self._shapes[i]
            ret.append(g if g.shape == shape else sum_to(g, shape))
        return tuple(ret)


def _check_pair(fname, x1, x2):
    if not type_check.enabled():
        return
    type_check.expect_float(fname, "x1", x1)
    type_check.expect_float(fname, "x2", x2)
    if x1.dtype != x2.dtype:
        raise type_check.InvalidType(f"{fname}: x1 and x2 must have the same dtype, got "
                                     f"x1 {x1.dtype} {tuple(x1.shape)} and "
                                     f"x2 {x2.dtype} {tuple(x2.shape)}")
    if x1.shape != x2.shape:
        type_check.broadcast_shapes(fname, ("x1", "x2"), (x1.shape, x2.shape))


def maximum(x1, x2):
    """Elementwise maximum of two inputs, broadcasting like NumPy.

    Where ``x1 == x2`` the gradient goes to ``x1``.

    Args:
        x1, x2 (Variable or ndarray): Inputs of the same floating-point dtype.

    Returns:
        Variable: ``max(x1, x2)`` elementwise, of the broadcast shape.

    Example:
        >>> F.maximum(np.array([1., 4.], np.float32), np.array([3., 2.], np.float32)).array
        array([3., 4.], dtype=float32)
    """
    _check_pair("maximum", x1, x2)
    return _Extremum(True).apply((x1, x2))[0]


def minimum(x1, x2):
    """Elementwise minimum of two inputs, broadcasting like NumPy.

    Where ``x1 == x2`` the gradient goes to ``x1``.

    Args:
        x1, x2 (Variable or ndarray): Inputs of the same floating-point dtype.

    Returns:
        Variable: ``min(x1, x2)`` elementwise, of the broadcast shape.

    Example:
        >>> F.minimum(np.array([1., 4.], np.float32), np.array([3., 2.], np.float32)).array
        array([1., 2.], dtype=float32)
    """
    _check_pair("minimum", x1, x2)
    return _Extremum(False).apply((x1, x2))[0]


# -- reductions ------------------------------------------------------------------

def _first_true(xp, eq, axes):
    """Keep, within each reduced slice over ``axes``, only the first True."""
    nd = eq.ndim
    n = len(axes)
    tail = tuple(range(nd - n, nd))
    t = xp.moveaxis(eq, axes, tail)
    shape = t.shape
    flat = t.reshape(shape[:nd - n] + (-1,))
    first = flat & (flat.cumsum(axis=-1) == 1)
    return xp.moveaxis(first.reshape(shape), tail, axes)


class _Reduce(function_node.FunctionNode):
    """max (``is_max``) or min over ``axes`` (a sorted tuple)."""

    def __init__(self, is_max, axes, keepdims):
        self.is_max = is_max
        self.axes = axes
        self.keepdims = keepdims

    @property
    def label(self):
        return "Max" if self.is_max else "Min"

    def forward(self, inputs):
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        f = xp.amax if self.is_max else xp.amin
        return f(x, axis=self.axes, keepdims=self.keepdims),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        x, y = self.get_retained_inputs() + self.get_retained_outputs()
        xa = x.array
        xp = backend.get_array_module(xa)
        kept = list(xa.shape)
        for a in self.axes:
            kept[a] = 1
        kept = tuple(kept)
        # The gradient goes to one extreme element per slice: the first in C order.
        hit = _first_true(xp, xa == y.array.reshape(kept), self.axes)
        if gy.shape != kept:
            gy = reshape(gy, kept)
        return broadcast_to(gy, xa.shape) * _constant(hit.astype(gy.dtype)),


def _with_shape(call, shape):
    """Run an axis normalisation, adding the input's shape to its error."""
    try:
        return call()
    except type_check.InvalidType as e:
        raise type_check.InvalidType(f"{e} (x shape {tuple(shape)})") from None


def _reduce_axes(fname, x, axis):
    axes = _with_shape(lambda: type_check.normalize_axes(fname, axis, x.ndim), x.shape)
    if any(x.shape[a] == 0 for a in axes):
        raise type_check.InvalidType(f"{fname}: cannot reduce over an empty axis: x has "
                                     f"shape {tuple(x.shape)} and axis {axis}")
    return axes


def max(x, axis=None, keepdims=False):  # noqa: A001 (Chainer's name)
    """Maximum of the elements of ``x`` over ``axis``.

    The gradient goes to the maximal element of each reduced slice; where
    several are equal, to the first of them in C order.

    Args:
        x (Variable or ndarray): Input.
        axis (None, int or tuple of int): Axes to reduce (all when None).
        keepdims (bool): Keep the reduced axes with length one.

    Returns:
        Variable: The maximum.

    Example:
        >>> F.max(np.array([[1., 5.], [3., 2.]], np.float32), axis=1).array
        array([5., 3.], dtype=float32)
    """
    return _Reduce(True, _reduce_axes("max", x, axis), keepdims).apply((x,))[0]


def min(x, axis=None, keepdims=False):  # noqa: A001 (Chainer's name)
    """Minimum of the elements of ``x`` over ``axis``.

    The gradient goes to the minimal element of each reduced slice; where
    several are equal, to the first of them in C order.

    Args:
        x (Variable or ndarray): Input.
        axis (None, int or tuple of int): Axes to reduce (all when None).
        keepdims (bool): Keep the reduced axes with length one.

    Returns:
        Variable: The minimum.

    Example:
        >>> F.min(np.array([[1., 5.], [3., 2.]], np.float32), axis=1).array
        array([1., 2.], dtype=float32)
    """
    return _Reduce(False, _reduce_axes("min", x, axis), keepdims).apply((x,))[0]


def _arg(fname, x, axis, is_max):
    data = variable.as_array(x)
    if axis is not None:
        axis = _with_shape(lambda: type_check.normalize_axis(fname, axis, data.ndim),
                           data.shape)
        if data.ndim and data.shape[axis] == 0:
            raise type_check.InvalidType(f"{fname}: cannot search an empty axis: x has "
                                         f"shape {tuple(data.shape)} and axis {axis}")
    elif data.size == 0:
        raise type_check.InvalidType(f"{fname}: x of shape {tuple(data.shape)} is empty")
    xp = backend.get_array_module(data)
    f = xp.argmax if is_max else xp.argmin
    idx = xp.asarray(f(data, axis=axis)).astype(numpy.int32)
    return variable.Variable(idx, requires_grad=False)


def argmax(x, axis=None):
    """Indices of the maximal elements along ``axis`` (not differentiable).

    Args:
        x (Variable or ndarray): Input.
        axis (None or int): Axis to search (the flattened array when None).

    Returns:
        Variable: int32 indices, requiring no gradient.

    Example:
        >>> F.argmax(np.array([[1., 5.], [3., 2.]], np.float32), axis=1).array
        array([1, 0], dtype=int32)
    """
    return _arg("argmax", x, axis, True)


def argmin(x, axis=None):
    """Indices of the minimal elements along ``axis`` (not differentiable).

    Args:
        x (Variable or ndarray): Input.
        axis (None or int): Axis to search (the flattened array when None).

    Returns:
        Variable: int32 indices, requiring no gradient.

    Example:
        >>> F.argmin(np.array([[1., 5.], [3., 2.]], np.float32), axis=1).array
        array([0, 1], dtype=int32)
    """
    return _arg("argmin", x, axis, False)

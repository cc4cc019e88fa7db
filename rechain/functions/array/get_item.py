"""get_item: NumPy indexing of a Variable (``Variable.__getitem__``).

Basic indexing (ints, slices, None, Ellipsis) and advanced indexing (integer
arrays or lists, boolean masks, and mixtures) follow NumPy. Boolean masks are
turned into integer arrays (``mask.nonzero()``), which NumPy defines as
equivalent. Index arrays are *inputs* of the node (constants that need no
gradient), retained for backward, so the graph keeps no array behind the
retain declaration. The gradient scatters with ``add.at`` semantics: an
element picked several times receives the sum of its gradients.
"""

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array import _util
from rechain.utils import type_check

Variable = variable.Variable
_array_types = backend.array_types


class _Slot:
    """Marks where the k-th index array (input ``k + 1``) goes in the key."""

    __slots__ = ("k",)

    def __init__(self, k):
        self.k = k

    def __repr__(self):
        return f"<index array {self.k}>"


def _key(template, arrays):
    if not arrays:
        return template
    return tuple([arrays[t.k] if type(t) is _Slot else t for t in template])


class GetItem(function_node.FunctionNode):
    """``x[key]``; inputs are ``x`` followed by the index arrays of the key."""

    def __init__(self, template, advanced):
        self.template = template
        self.advanced = advanced

    def forward(self, inputs):
        x = inputs[0]
        self._in_shape = x.shape
        if len(inputs) > 1:
            self.retain_inputs(tuple(range(1, len(inputs))))
        y = x[_key(self.template, inputs[1:])]
        if not isinstance(y, _array_types):  # full integer indexing gives a scalar
            y = backend.get_array_module(x).asarray(y)
        return y,

    def backward(self, indexes, grad_outputs):
        idx = self.get_retained_inputs()
        gx, = GetItemGrad(self.template, self.advanced, self._in_shape).apply(
            (grad_outputs[0],) + idx)
        return tuple([gx if i == 0 else None for i in indexes])


class GetItemGrad(function_node.FunctionNode):
    """Scatter-add of ``gy`` into zeros of the input's shape at ``key``.

    Its own gradient is ``get_item`` with the same key, so the second
    derivative of ``get_item`` exists.
    """

    def __init__(self, template, advanced, shape):
        self.template = template
        self.advanced = advanced
        self.shape = shape

    def forward(self, inputs):
        gy = inputs[0]
        if len(inputs) > 1:
            self.retain_inputs(tuple(range(1, len(inputs))))
        xp = backend.get_array_module(gy)
        gx = xp.zeros(self.shape, dtype=gy.dtype)
        key = _key(self.template, inputs[1:])
        if self.advanced:
            xp.add.at(gx, key, gy)  # repeated indices accumulate
        else:
            gx[key] = gy  # basic indexing never selects an element twice
        return gx,

    def backward(self, indexes, grad_outputs):
        idx = self.get_retained_inputs()
        ggy, = GetItem(self.template, self.advanced).apply((grad_outputs[0],) + idx)
        return tuple([ggy if i == 0 else None for i in indexes])


def _out_of_bounds(index, axis, size, shape):
    return IndexError(f"get_item: index {index} is out of bounds for axis {axis} with "
                      f"size {size} (x shape {shape})")


def _check_int(i, axis, shape):
    size = shape[axis]
    if not -size <= i < size:
        raise _out_of_bounds(i, axis, size, shape)


def _too_many(shape, n):
    return IndexError(f"get_item: too many indices for x of shape {shape}: {n} "
                      f"dimensions are indexed but x has {len(shape)}")


def _basic(x, key):
    """Fast path: a key of ints, slices, None and Ellipsis only, or None."""
    shape = x.shape
    used = 0
    ellipsis = False
    for s in key:
        t = type(s)
        if t is slice:
            used += 1
        elif t is int or _util.is_int(s):
            used += 1
        elif s is None:
            pass
        elif s is Ellipsis:
            if ellipsis:
                raise IndexError("get_item: an index can only have a single ellipsis "
                                 f"('...'), got {key!r}")
            ellipsis = True
        else:
            return None
    if used > len(shape):
        raise _too_many(shape, used)
    axis = 0
    for s in key:
        if s is Ellipsis:
            axis += len(shape) - used
        elif s is not None:
            if type(s) is not slice:
                _check_int(s, axis, shape)
            axis += 1
    return key


def _as_index_array(s, xp):
    """An array-like index item as an ndarray on ``xp``, or None if not one."""
    if isinstance(s, Variable):
        s = s.array
    elif isinstance(s, (list, tuple)):
        s = numpy.asarray(s)
        if s.size == 0 and s.dtype.kind == "f":  # [] indexes nothing
            s = s.astype(numpy.intp)
    if not isinstance(s, _array_types):
        return None
    if backend.get_array_module(s) is not xp:
        s = xp.asarray(s) if xp is not numpy else backend.to_cpu(s)
    return s


def _advanced(x, key):
    """Build (template, index arrays) of a key with arrays in it."""
    xp = backend.get_array_module(x)
    shape = x.shape
    check = type_check.enabled()
    items = []  # (kind, value): kind in 'int', 'slice', 'none', 'ellipsis', 'bool0',
    #                                     'ints', 'mask'
    used = 0
    n_ellipsis = 0
    for pos, s in enumerate(key):
        if type(s) is slice:
            items.append(("slice", s))
            used += 1
        elif s is None:
            items.append(("none", s))
        elif s is Ellipsis:
            items.append(("ellipsis", s))
            n_ellipsis += 1
        elif isinstance(s, (bool, numpy.bool_)):
            items.append(("bool0", bool(s)))
        elif _util.is_int(s):
            items.append(("int", int(s)))
            used += 1
        else:
            a = _as_index_array(s, xp)
            if a is None:
                raise TypeError(
                    f"get_item: index element {pos} of type {type(s).__name__} is not "
                    f"supported; use ints, slices, None, Ellipsis, or integer or "
                    f"boolean arrays (x shape {shape})")
            kind = a.dtype.kind
            if kind == "b":
                if a.ndim == 0:
                    items.append(("bool0", bool(a)))
                else:
                    items.append(("mask", a))
                    used += a.ndim
            elif kind in "iu":
                if a.ndim == 0:
                    items.append(("int", int(a)))
                else:
                    items.append(("ints", a))
                used += 1
            else:
                raise IndexError(f"get_item: index arrays must have an integer or "
                                 f"boolean dtype, got {a.dtype} (index shape {a.shape}, "
                                 f"x shape {shape})")
    if n_ellipsis > 1:
        raise IndexError("get_item: an index can only have a single ellipsis ('...')")
    if used > len(shape):
        raise _too_many(shape, used)

    template = []
    arrays = []
    axis = 0
    for kind, v in items:
        if kind == "ellipsis":
            axis += len(shape) - used
            template.append(v)
        elif kind in ("none", "bool0"):
            template.append(v)
        elif kind == "slice":
            template.append(v)
            axis += 1
        elif kind == "int":
            _check_int(v, axis, shape)
            template.append(v)
            axis += 1
        elif kind == "ints":
            if check and v.size:
                lo, hi = int(v.min()), int(v.max())
                size = shape[axis]
                bad = lo if lo < -size else hi if hi >= size else None
                if bad is not None:
                    raise _out_of_bounds(bad, axis, size, shape)
            template.append(_Slot(len(arrays)))
            arrays.append(v)
            axis += 1
        else:  # mask
            want = shape[axis:axis + v.ndim]
            if v.shape != want:
                raise IndexError(
                    f"get_item: boolean index of shape {v.shape} does not match axes "
                    f"{axis} to {axis + v.ndim - 1} of x of shape {shape} (sizes {want})")
            for a in v.nonzero():
                template.append(_Slot(len(arrays)))
                arrays.append(a)
            axis += v.ndim
    return tuple(template), tuple(arrays)


def get_item(x, slices):
    """Index ``x`` like a NumPy array: ``x[slices]``.

    Basic indexing (ints, slices, None, Ellipsis) and advanced indexing
    (integer arrays or lists, boolean masks, and mixtures of both with basic
    items) follow NumPy's rules. The gradient adds into the selected elements,
    so an element selected several times gets the sum of its gradients.

    Args:
        x (Variable or ndarray): Input.
        slices: An int, slice, None, Ellipsis, integer or boolean array
            (or list), or a tuple of them.

    Returns:
        Variable: The selection.

    Example:
        >>> F.get_item(np.arange(6, dtype=np.float32).reshape(2, 3), (slice(None), [0, 0])).array
        array([[0., 0.],
               [3., 3.]], dtype=float32)
    """
    _util.check_input("get_item", x)
    key = slices if type(slices) is tuple else (slices,)
    template = _basic(x, key)
    if template is not None:
        return GetItem(template, False).apply((x,))[0]
    template, arrays = _advanced(x, key)
    if not arrays:
        advanced = any(type(t) is bool for t in template)
        return GetItem(template, advanced).apply((x,))[0]
    return GetItem(template, True).apply((x,) + arrays)[0]

"""repeat: repeat each element of an array."""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.utils import type_check


class Repeat(function_node.FunctionNode):
    """``xp.repeat`` along ``axis`` (None: over the flattened input)."""

    def __init__(self, repeats, axis):
        self.repeats = repeats
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        reps = self.repeats[0] if len(self.repeats) == 1 else list(self.repeats)
        return xp.repeat(x, reps, self.axis),

    def backward(self, indexes, grad_outputs):
        return RepeatGrad(self.repeats, self.axis, self._in_shape).apply(grad_outputs)


class RepeatGrad(function_node.FunctionNode):
    """Sums each run of repeated elements; its own gradient is ``repeat``."""

    def __init__(self, repeats, axis, in_shape):
        self.repeats = repeats
        self.axis = axis
        self.in_shape = in_shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        axis = 0 if self.axis is None else self.axis
        n = 1
        if self.axis is None:
            for s in self.in_shape:
                n *= s
        else:
            n = self.in_shape[axis]
        reps = self.repeats
        if len(reps) == 1:
            r = reps[0]
            shape = gy.shape[:axis] + (n, r) + gy.shape[axis + 1:]
            gx = gy.reshape(shape).sum(axis=axis + 1)
        else:
            idx = xp.repeat(xp.arange(n), xp.asarray(reps))
            shape = gy.shape[:axis] + (n,) + gy.shape[axis + 1:]
            gx = xp.zeros(shape, dtype=gy.dtype)
            xp.add.at(gx, (slice(None),) * axis + (idx,), gy)
        return gx.reshape(self.in_shape),

    def backward(self, indexes, grad_outputs):
        return Repeat(self.repeats, self.axis).apply(grad_outputs)


def _is_count(r):
    """An int, or a bool (0 or 1 repetitions)."""
    return _util.is_int(r) or isinstance(r, (bool, numpy.bool_))


def repeat(x, repeats, axis=None):
    """Repeat each element of ``x`` ``repeats`` times along ``axis``.

    Args:
        x (Variable or ndarray): Input.
        repeats (int or sequence of int): Repetitions, for all elements or one
            per element along ``axis``. A bool counts as 0 or 1, as in NumPy and
            Chainer (``axis`` must not be one).
        axis (int or None): The axis; None repeats over the flattened input
            and returns a 1-D variable.

    Returns:
        Variable: The repeated variable.

    Example:
        >>> F.repeat(np.array([1., 2.], np.float32), 2).array
        array([1., 1., 2., 2.], dtype=float32)
    """
    _util.check_input("repeat", x)
    if axis is None:
        n = x.size
    else:
        if x.ndim == 0:
            raise type_check.InvalidType(f"repeat: axis={axis} given but x is "
                                         f"zero-dimensional (shape ())")
        axis = _util.normalize_axis("repeat", axis, x.shape)
        n = x.shape[axis]
    if _is_count(repeats):
        repeats = (repeats,)
    if isinstance(repeats, backend.array_types):
        repeats = backend.to_cpu(repeats).tolist()
    try:
        repeats = tuple(repeats)
    except TypeError:
        raise TypeError(f"repeat: repeats must be an int or a sequence of ints, not "
                        f"{type(repeats).__name__}") from None
    for i, r in enumerate(repeats):
        if not _is_count(r):
            raise TypeError(f"repeat: repeats[{i}] must be an int, not {type(r).__name__}")
        if r < 0:
            raise ValueError(f"repeat: repeats must be non-negative, got {repeats} "
                             f"(x shape {x.shape})")
    if len(repeats) not in (1, n):
        where = "x.size" if axis is None else f"axis {axis}"
        raise type_check.InvalidType(
            f"repeat: {len(repeats)} repeats given for {n} elements along {where} "
            f"(x shape {x.shape}); give one int or one per element")
    if len(repeats) > 1 and len(set(repeats)) == 1:
        repeats = repeats[:1]
    return Repeat(tuple(int(r) for r in repeats), axis).apply((x,))[0]

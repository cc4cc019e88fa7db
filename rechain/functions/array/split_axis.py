"""split_axis: split an array into pieces along an axis (the inverse of concat)."""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array import _util
from rechain.utils import type_check

_constant = variable.Variable._constant


class SplitAxis(function_node.FunctionNode):
    """Splits at ``indices``; the gradient concatenates the pieces' gradients,
    with zeros for pieces that received none."""

    def __init__(self, indices, axis):
        self.indices = indices
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        lead = (slice(None),) * self.axis
        bounds = (0,) + self.indices + (x.shape[self.axis],)
        ys = tuple([x[lead + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])])
        self._shapes = tuple([y.shape for y in ys])
        return ys

    def backward(self, indexes, grad_outputs):
        from rechain.functions.array.concat import Concat
        if len(grad_outputs) == 1:
            return grad_outputs
        ref = None
        for g in grad_outputs:
            if g is not None:
                ref = g
                break
        if ref is None:
            return None,
        xp = backend.get_array_module(ref._data)
        dtype = ref.dtype
        gys = tuple([g if g is not None else _constant(xp.zeros(s, dtype))
                     for g, s in zip(grad_outputs, self._shapes)])
        return Concat(self.axis).apply(gys)


def _indices(x, ios, axis):
    n = x.shape[axis]
    if _util.is_int(ios):
        if ios <= 0:
            raise type_check.InvalidType(
                f"split_axis: the number of sections must be positive, got {ios} "
                f"(x shape {x.shape})")
        if n % ios:
            raise type_check.InvalidType(
                f"split_axis: x of shape {x.shape} cannot be split into {ios} equal "
                f"sections along axis {axis} of length {n}")
        step = n // ios
        return tuple(step * i for i in range(1, int(ios)))
    if isinstance(ios, backend.array_types):
        ios = backend.to_cpu(ios).tolist()
    try:
        ios = list(ios)
    except TypeError:
        raise TypeError(f"split_axis: indices_or_sections must be an int or a sequence "
                        f"of ints, not {type(ios).__name__}") from None
    out = []
    for k, i in enumerate(ios):
        if not _util.is_int(i):
            raise TypeError(f"split_axis: indices[{k}] must be an int, not "
                            f"{type(i).__name__}")
        i = int(i)
        if i < 0:
            i = max(i + n, 0)
        i = min(i, n)
        if out and i < out[-1]:
            raise type_check.InvalidType(
                f"split_axis: indices {tuple(ios)} must be non-decreasing (after "
                f"resolving negative values) to split axis {axis} of x of shape {x.shape}")
        out.append(i)
    return tuple(out)


def split_axis(x, indices_or_sections, axis, force_tuple=True):
    """Split ``x`` into several variables along ``axis``.

    Args:
        x (Variable or ndarray): Input.
        indices_or_sections (int or sequence of int): An int ``n`` splits into
            ``n`` equal pieces (the axis length must be divisible by ``n``); a
            sequence gives the split points, as in ``numpy.split``.
        axis (int): The axis to split.
        force_tuple (bool): If False and there is only one piece, return it
            bare instead of in a one-element tuple.

    Returns:
        tuple of Variable (or a Variable, see ``force_tuple``).

    Example:
        >>> [y.shape for y in F.split_axis(np.zeros((2, 6), np.float32), [1, 4], 1)]
        [(2, 1), (2, 3), (2, 2)]
    """
    _util.check_input("split_axis", x)
    if x.ndim == 0:
        raise type_check.InvalidType("split_axis: x is zero-dimensional (shape ()); "
                                     "it has no axis to split")
    axis = _util.normalize_axis("split_axis", axis, x.shape)
    indices = _indices(x, indices_or_sections, axis)
    ys = SplitAxis(indices, axis).apply((x,))
    if not force_tuple and len(ys) == 1:
        return ys[0]
    return ys

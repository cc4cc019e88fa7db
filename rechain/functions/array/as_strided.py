"""as_strided: a strided view of a variable's elements, with a gradient.

The view is a gather: output element ``idx`` reads element
``storage_offset + sum(idx * strides)`` of ``x``'s elements in C order, so
``as_strided`` is ``get_item`` of the flattened ``x`` with that index array.
Its gradient scatter-adds (elements read several times collect every
contribution, PyTorch's layout-agnostic rule that Chainer adopted) and is
differentiable again.
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.array import _util
from rechain.functions.array.get_item import get_item
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


def as_strided(x, shape, strides, storage_offset=None):
    """A view of ``x`` of the given shape and strides, in elements (not bytes).

    Unlike ``numpy.lib.stride_tricks.as_strided``, ``strides`` and
    ``storage_offset`` count elements, as in Chainer. Chainer strides into
    ``x``'s underlying buffer, ignoring the view ``x`` may be; rechain strides
    into ``x``'s elements in C order, which is the same for a C-contiguous
    array and defined for any other. Every index must fall inside ``x``.

    Args:
        x (Variable or ndarray): Input.
        shape (tuple of int): Output shape.
        strides (tuple of int): Step per output axis, in elements (may be 0 or
            negative).
        storage_offset (int or None): Index of the first element (default 0).

    Returns:
        Variable: Of shape ``shape``.

    Example:
        >>> F.as_strided(np.arange(4, dtype=np.float32), (3, 2), (1, 1), 0).array
        array([[0., 1.],
               [1., 2.],
               [2., 3.]], dtype=float32)
    """
    _util.check_input("as_strided", x)
    idx = _element_index("as_strided", x.shape, shape, strides, storage_offset)
    xp = backend.get_array_module(variable.as_array(x))
    return get_item(reshape(x, (int(numpy.prod(x.shape)),)), xp.asarray(idx))


def _element_index(f, x_shape, shape, strides, storage_offset):
    """The C-order element index of ``x`` that each output element reads (checked)."""
    shape, strides = tuple(shape), tuple(strides)
    if not all(_util.is_int(s) and s >= 0 for s in shape):
        raise ValueError(f"{f}: shape must be a tuple of non-negative ints, got {shape!r}")
    if len(strides) != len(shape) or not all(_util.is_int(s) for s in strides):
        raise ValueError(f"{f}: strides must be {len(shape)} ints (one per axis of shape "
                         f"{shape}), got {strides!r}")
    offset = 0 if storage_offset is None else storage_offset
    if not _util.is_int(offset) or offset < 0:
        raise ValueError(f"{f}: storage_offset must be a non-negative int, got {offset!r}")
    size = int(numpy.prod(x_shape))
    if int(numpy.prod(shape)) > 0:
        lo = offset + sum(min(0, (n - 1) * s) for n, s in zip(shape, strides))
        hi = offset + sum(max(0, (n - 1) * s) for n, s in zip(shape, strides))
        if lo < 0 or hi >= size:
            raise type_check.InvalidType(
                f"{f}: shape {shape}, strides {strides} and storage_offset {offset} reach "
                f"elements {lo} to {hi}, outside x of shape {tuple(x_shape)} ({size} elements)")
    idx = numpy.full(shape, offset, dtype=numpy.intp)
    for axis, (n, s) in enumerate(zip(shape, strides)):
        idx += (numpy.arange(n, dtype=numpy.intp) * s).reshape(
            (1,) * axis + (n,) + (1,) * (len(shape) - axis - 1))
    return idx


def _stride_array(array, shape, strides, storage_offset):
    """:func:`as_strided` on an ndarray, without a graph (Chainer's helper of that name).

    As :func:`as_strided`, it strides over ``array``'s elements in C order
    (Chainer: over its buffer, which differs for a non-contiguous view).
    Returns a new array; an index outside ``array`` raises ValueError.
    """
    idx = _element_index("_stride_array", array.shape, shape, strides, storage_offset)
    xp = backend.get_array_module(array)
    return array.reshape(-1)[xp.asarray(idx)]

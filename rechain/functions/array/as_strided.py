"""as_strided: a view of the buffer a variable's array lies in, with a gradient.

As in Chainer, ``shape``, ``strides`` and ``storage_offset`` (counted in
elements, not bytes) address the memory ``x`` lies in -- the array that owns
it, of which ``x`` may be a view -- and ``x``'s own layout is ignored: output
element ``j`` is the buffer element ``storage_offset + sum(j * strides)``
(``storage_offset`` defaults to the position of ``x``'s first element). The
output is a view of that buffer, as Chainer's is. For a C-contiguous ``x``
that owns its memory this is its elements in C order.

The gradient is layout-agnostic (PyTorch's rule, which Chainer adopted): the
output gradient is summed into the buffer positions it was read from, and
each element of ``x`` gets the sum at its position, divided by the number of
elements of ``x`` at that position when ``x`` itself overlaps (a broadcast
view). Buffer positions outside ``x`` get nothing. It is built from
differentiable nodes (a scatter-add, then a gather), so ``as_strided`` is
differentiable again (Chainer's is not). Only float gradients are allowed
(Chainer's: a TypeError).

The node keeps only the integers of the geometry (shapes, strides,
offsets): the index arrays of the gradient are made again in backward.
"""

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array import _util
from rechain.functions.array.get_item import get_item
from rechain.functions.array.scatter_add import ScatterAdd
from rechain.utils import type_check


class _Buffer:
    """The memory ``array`` lies in, as ``n`` elements of ``array``'s dtype.

    ``offset`` and ``strides`` place ``array``'s elements in it; ``flat(k)``
    is a 1-D view of the buffer from element ``k`` on.
    """

    def __init__(self, f, array):
        self.array = array
        itemsize = array.itemsize
        if backend.get_array_module(array) is numpy:
            root = array
            b = array.base
            while b is not None:  # the ndarray that owns the memory
                if isinstance(b, numpy.ndarray):
                    root = b
                b = getattr(b, "base", None)
            low, high = numpy.lib.array_utils.byte_bounds(root)
            x_low, x_high = numpy.lib.array_utils.byte_bounds(array)
            if array.size and not low <= x_low <= x_high <= high:
                low, high = x_low, x_high  # a view made outside its base: its own extent
            start = array.__array_interface__["data"][0] - low
        else:  # CuPy: the allocation the array points into
            mem = array.data.mem
            low, high = mem.ptr, mem.ptr + mem.size
            start = array.data.ptr - mem.ptr
        if start % itemsize or any(s % itemsize for s in array.strides):
            raise ValueError(f"{f}: x's strides {array.strides} and offset ({start} bytes) "
                             f"are not whole elements of {itemsize} bytes in its buffer")
        self.n = (high - low) // itemsize
        self.offset = start // itemsize
        self.strides = tuple(s // itemsize for s in array.strides)

    def view(self, shape, strides, offset):
        """The view of ``shape`` and ``strides`` (elements) from element ``offset``."""
        a = self.array
        xp = backend.get_array_module(a)
        it = a.itemsize
        byte_strides = tuple(s * it for s in strides)
        if xp is numpy:
            # a view at element ``offset`` of the buffer, reached from ``a``'s first element
            d = offset - self.offset
            origin = numpy.lib.stride_tricks.as_strided(
                a, (abs(d) + 1,), ((1 if d >= 0 else -1) * it,))[abs(d):]
            return numpy.lib.stride_tricks.as_strided(origin, shape, byte_strides)
        ptr = xp.cuda.MemoryPointer(a.data.mem, offset * it)
        return xp.ndarray(shape, a.dtype, ptr, byte_strides)


def _positions(shape, strides, offset):
    """The buffer position of each element of an array of ``shape`` and ``strides``."""
    pos = numpy.full(shape, offset, dtype=numpy.intp)
    for axis, (n, s) in enumerate(zip(shape, strides)):
        pos += (numpy.arange(n, dtype=numpy.intp) * s).reshape(
            (1,) * axis + (n,) + (1,) * (len(shape) - axis - 1))
    return pos


def _check_geometry(f, shape, strides, storage_offset):
    shape, strides = tuple(shape), tuple(strides)
    if not all(_util.is_int(s) and s >= 0 for s in shape):
        raise ValueError(f"{f}: shape must be a tuple of non-negative ints, got {shape!r}")
    if len(strides) != len(shape) or not all(_util.is_int(s) for s in strides):
        raise ValueError(f"{f}: strides must be {len(shape)} ints (one per axis of shape "
                         f"{shape}), got {strides!r}")
    if storage_offset is not None and (not _util.is_int(storage_offset)
                                       or storage_offset < 0):
        raise ValueError(f"{f}: storage_offset must be a non-negative int, "
                         f"got {storage_offset!r}")
    return (tuple(int(s) for s in shape), tuple(int(s) for s in strides),
            None if storage_offset is None else int(storage_offset))


def _strided(f, array, shape, strides, storage_offset):
    """``(view, buffer, offset)``: the checked view of ``array``'s buffer."""
    buf = _Buffer(f, array)
    offset = buf.offset if storage_offset is None else storage_offset
    if int(numpy.prod(shape)) > 0:
        lo = offset + sum(min(0, (n - 1) * s) for n, s in zip(shape, strides))
        hi = offset + sum(max(0, (n - 1) * s) for n, s in zip(shape, strides))
        if lo < 0 or hi >= buf.n:
            raise type_check.InvalidType(
                f"{f}: shape {shape}, strides {strides} and storage_offset {offset} reach "
                f"elements {lo} to {hi}, outside the buffer of x ({buf.n} elements; x of "
                f"shape {tuple(array.shape)})")
        return buf.view(shape, strides, offset), buf, offset
    return backend.get_array_module(array).empty(shape, array.dtype), buf, offset


class AsStrided(function_node.FunctionNode):
    """The view of ``x``'s buffer of ``shape`` and ``strides`` (see the module docstring)."""

    def __init__(self, shape, strides, storage_offset=None):
        self.shape, self.strides, self.storage_offset = _check_geometry(
            "as_strided", shape, strides, storage_offset)

    def forward(self, inputs):
        x, = inputs
        y, buf, offset = _strided("as_strided", x, self.shape, self.strides,
                                  self.storage_offset)
        # integers only: the input's shape and place in its buffer, the output's offset
        self._geometry = (x.shape, buf.strides, buf.offset, offset)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy.dtype.kind != "f":
            raise TypeError(f"as_strided: only float gradients are supported, got {gy.dtype}")
        x_shape, x_strides, x_offset, offset = self._geometry
        xp = backend.get_array_module(gy.array)
        if 0 in x_shape or 0 in gy.shape:
            return variable.Variable._constant(xp.zeros(x_shape, gy.dtype)),
        p = _positions(self.shape, self.strides, offset)
        q = _positions(x_shape, x_strides, x_offset)
        lo = min(int(p.min()), int(q.min()))
        span = max(int(p.max()), int(q.max())) - lo + 1
        # sum gy into the buffer positions it was read from ...
        storage, = ScatterAdd((xp.asarray(p - lo),)).apply(
            (xp.zeros((span,), gy.dtype), gy))
        # ... and give each element of x the sum at its position
        gx = get_item(storage, xp.asarray(q - lo))
        count = numpy.bincount((q - lo).ravel(), minlength=span)
        if count.max() > 1:  # x overlaps itself: its elements at one position share
            share = (1.0 / count[q - lo]).astype(gy.dtype)
            gx = gx * variable.Variable._constant(xp.asarray(share))
        return gx,


def as_strided(x, shape, strides, storage_offset=None):
    """A view of the buffer ``x`` lies in, of the given shape and strides (in elements).

    As in Chainer: ``strides`` and ``storage_offset`` count elements, not
    bytes, and address the memory of the array ``x`` is a view of (``x``'s
    own layout is ignored); ``storage_offset`` defaults to the position of
    ``x``'s first element. For a C-contiguous ``x`` that owns its memory,
    element ``j`` of the output is ``x.ravel()[storage_offset + sum(j *
    strides)]``. Every index must fall inside the buffer. The gradient is
    layout-agnostic (see the module docstring) and differentiable again;
    an integer ``x`` has none (TypeError in backward).

    Args:
        x (Variable or ndarray): Input.
        shape (tuple of int): Output shape.
        strides (tuple of int): Step per output axis, in elements (may be 0 or
            negative).
        storage_offset (int or None): Buffer index of the first element.

    Returns:
        Variable: Of shape ``shape``; its array is a view of ``x``'s buffer.

    Example:
        >>> F.as_strided(np.arange(4, dtype=np.float32), (3, 2), (1, 1), 0).array
        array([[0., 1.],
               [1., 2.],
               [2., 3.]], dtype=float32)
    """
    _util.check_input("as_strided", x)
    return AsStrided(shape, strides, storage_offset).apply((x,))[0]


def _stride_array(array, shape, strides, storage_offset):
    """The view of ``array``'s buffer (Chainer's helper of that name, on ndarrays).

    ``strides`` and ``storage_offset`` in elements, as :func:`as_strided`;
    an index outside the buffer raises ValueError.
    """
    shape, strides, storage_offset = _check_geometry("_stride_array", shape, strides,
                                                     storage_offset)
    return _strided("_stride_array", array, shape, strides,
                    0 if storage_offset is None else storage_offset)[0]

"""scatter_add: add values into selected elements of a copy of an array."""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.array.get_item import get_item
from rechain.utils import type_check


def _normalize(slices):
    if isinstance(slices, list) and all(_util.is_int(s) for s in slices):
        return (slices,)
    if isinstance(slices, list):
        return tuple(slices)
    return slices if isinstance(slices, tuple) else (slices,)


class ScatterAdd(function_node.FunctionNode):
    """``y = a.copy(); add.at(y, slices, b)``; gradients ``gy`` and ``gy[slices]``."""

    def __init__(self, slices):
        self.slices = slices

    def forward(self, inputs):
        a, b = inputs
        xp = backend.get_array_module(a)
        y = a.copy()
        if xp is numpy:
            numpy.add.at(y, self.slices, b)
        else:
            import cupyx  # only reached with CuPy arrays
            cupyx.scatter_add(y, self.slices, b)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        return tuple([gy if i == 0 else get_item(gy, self.slices) for i in indexes])


def scatter_add(a, slices, b):
    """A copy of ``a`` with ``b`` added at ``a[slices]``; repeated indices accumulate.

    This is ``numpy.add.at(a.copy(), slices, b)``.

    Args:
        a (Variable or ndarray): The base array.
        slices: An index of ``a`` (ints, slices, None, Ellipsis, integer
            arrays or lists, or a tuple of them), as in ``a[slices]``.
        b (Variable or ndarray): Values of the shape of ``a[slices]`` and
            ``a``'s dtype (no broadcasting, as in Chainer).

    Returns:
        Variable: Of ``a``'s shape.

    Example:
        >>> F.scatter_add(np.zeros(3, np.float32), [0, 0, 2],
        ...               np.ones(3, np.float32)).array
        array([2., 0., 1.], dtype=float32)
    """
    f = "scatter_add"
    _util.check_input(f, a, "a")
    _util.check_input(f, b, "b")
    slices = _normalize(slices)
    if sum(s is Ellipsis for s in slices) > 1:
        raise ValueError(f"{f}: slices may contain only one Ellipsis, got {slices!r}")
    try:
        target = backend.get_array_module(a).empty(a.shape, dtype=bool)[slices].shape
    except IndexError as e:
        raise IndexError(f"{f}: slices {slices!r} do not index a of shape {tuple(a.shape)}: "
                         f"{e}") from None
    if tuple(b.shape) != tuple(target):
        raise type_check.InvalidType(
            f"{f}: b must have the shape of a[slices], {tuple(target)}, got {tuple(b.shape)} "
            f"(a {tuple(a.shape)}); b is not broadcast")
    if type_check.enabled():
        type_check.expect_same_dtype(f, ("a", "b"), (a, b))
    return ScatterAdd(slices).apply((a, b))[0]

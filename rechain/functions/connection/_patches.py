"""Differentiable im2col for the connection functions that are not plain convolutions.

:class:`Patches` turns ``(N, C, *size)`` into the column array ``(N, C,
*ksize, *outsize)`` of :func:`_conv_util.im2col_nd` (a copy, so later
reshapes are free); :class:`PatchesAdjoint` adds columns back into an image
(:func:`_conv_util.col2im_nd`). Both are linear, each the other's gradient,
and keep nothing; local convolution and the deformable sampler are built on
them with differentiable functions, so their gradients of every order exist.
"""

from rechain import backend
from rechain import function_node
from rechain.functions.connection import _conv_util as cu


class Patches(function_node.FunctionNode):
    """``x`` -> its windows ``(N, C, *ksize, *outsize)``."""

    def __init__(self, ksize, stride, pad, outsize):
        self.ksize = tuple(ksize)
        self.stride = tuple(stride)
        self.pad = tuple(pad)
        self.outsize = tuple(outsize)

    def forward(self, inputs):
        x, = inputs
        self._size = x.shape[2:]
        nd = len(self.ksize)
        col = cu.im2col_nd(x, self.ksize, self.stride, self.pad, self.outsize, (1,) * nd)
        return col.copy(),

    def backward(self, indexes, grad_outputs):
        g, = grad_outputs
        if g is None:
            return None,
        return PatchesAdjoint(self.stride, self.pad, self._size).apply((g,))[0],


class PatchesAdjoint(function_node.FunctionNode):
    """Columns ``(N, C, *ksize, *outsize)`` -> the image of size ``size``."""

    def __init__(self, stride, pad, size):
        self.stride = tuple(stride)
        self.pad = tuple(pad)
        self.size = tuple(size)

    def forward(self, inputs):
        col, = inputs
        nd = len(self.size)
        self._ksize = col.shape[2:2 + nd]
        self._outsize = col.shape[2 + nd:]
        return cu.col2im_nd(col, self.size, self.stride, self.pad, (1,) * nd),

    def backward(self, indexes, grad_outputs):
        g, = grad_outputs
        if g is None:
            return None,
        return Patches(self._ksize, self.stride, self.pad, self._outsize).apply((g,))[0],


def patches(x, ksize, stride, pad, outsize):
    """The windows of ``x`` as a Variable ``(N, C, *ksize, *outsize)``."""
    return Patches(ksize, stride, pad, outsize).apply((x,))[0]


class TakeFlat(function_node.FunctionNode):
    """``y[n, c, *pos] = x[n, c].ravel()[index[n, *pos]]`` for an integer
    ``index`` ``(N, *pos)`` (a constant of the node); its gradient is
    :class:`TakeFlatAdjoint`, whose gradient is this again."""

    def __init__(self, index):
        self.index = index

    def forward(self, inputs):
        x, = inputs
        self._shape = x.shape
        n, c = x.shape[:2]
        xp = backend.get_array_module(x)
        xf = x.reshape(n, c, -1)
        idx = self.index.reshape(n, 1, -1)
        y = xp.take_along_axis(xf, xp.broadcast_to(idx, (n, c, idx.shape[-1])), axis=2)
        return y.reshape((n, c) + self.index.shape[1:]),

    def backward(self, indexes, grad_outputs):
        g, = grad_outputs
        if g is None:
            return None,
        return TakeFlatAdjoint(self.index, self._shape).apply((g,))[0],


class TakeFlatAdjoint(function_node.FunctionNode):
    """Adds ``g[n, c, *pos]`` into element ``index[n, *pos]`` of an image of ``shape``."""

    def __init__(self, index, shape):
        self.index = index
        self.shape = tuple(shape)

    def forward(self, inputs):
        g, = inputs
        xp = backend.get_array_module(g)
        n, c = self.shape[:2]
        size = 1
        for s in self.shape[2:]:
            size *= s
        flat = (xp.arange(n * c).reshape(n, c, 1) * size
                + self.index.reshape(n, 1, -1)).ravel()
        out = xp.bincount(flat, weights=g.reshape(-1), minlength=n * c * size)
        return out.astype(g.dtype, copy=False).reshape(self.shape),

    def backward(self, indexes, grad_outputs):
        gg, = grad_outputs
        if gg is None:
            return None,
        return TakeFlat(self.index).apply((gg,))[0],


def take_flat(x, index):
    """Differentiable ``x[n, c].ravel()[index[n, ...]]`` (see :class:`TakeFlat`)."""
    return TakeFlat(index).apply((x,))[0]

"""Differentiable im2col for the connection functions that are not plain convolutions.

:class:`Patches` turns ``(N, C, *size)`` into the column array ``(N, C,
*ksize, *outsize)`` of :func:`_conv_util.im2col_nd` (a copy, so later
reshapes are free); :class:`PatchesAdjoint` adds columns back into an image
(:func:`_conv_util.col2im_nd`). Both are linear, each the other's gradient,
and keep nothing; local convolution and the deformable sampler are built on
them with differentiable functions, so their gradients of every order exist.
"""

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

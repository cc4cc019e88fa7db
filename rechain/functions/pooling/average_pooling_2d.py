"""average_pooling_2d: mean over 2-d windows (padding counts as zeros).

The operation is linear: its gradient :class:`AveragePooling2DGrad` spreads
``gy / (kh * kw)`` over each window, and the gradient of that is the average
pooling again. Nothing is retained.
"""

from rechain import backend
from rechain import function_node
from rechain.functions.pooling._pool_util import PoolParams
from rechain.utils import type_check


class AveragePooling2D(function_node.FunctionNode):
    def __init__(self, params):
        self.p = params

    def forward(self, inputs):
        x, = inputs
        p = self.p
        self._in_shape = x.shape
        out_h, out_w = p.outsize(x.shape[2], x.shape[3])
        xpad = p.padded(x, out_h, out_w, 0)
        y = None
        for _, i, j in p.taps():
            v = p.tap(xpad, i, j, out_h, out_w)
            if y is None:
                y = v.copy()
            else:
                y += v
        y *= x.dtype.type(1.0 / (p.kh * p.kw))
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return None,
        return AveragePooling2DGrad(self.p, self._in_shape).apply((gy,))[0],


class AveragePooling2DGrad(function_node.FunctionNode):
    """``gx``: every window receives ``gy / (kh * kw)``."""

    def __init__(self, params, in_shape):
        self.p = params
        self.in_shape = in_shape

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        p = self.p
        n, c, h, w = self.in_shape
        out_h, out_w = gy.shape[2:]
        g = gy * gy.dtype.type(1.0 / (p.kh * p.kw))
        gx = p.canvas(xp, n, c, h, w, gy.dtype, out_h, out_w)
        for _, i, j in p.taps():
            v = p.tap(gx, i, j, out_h, out_w)
            v += g
        return p.crop(gx, h, w),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        if ggx is None:
            return None,
        return AveragePooling2D(self.p).apply((ggx,))[0],


def average_pooling_2d(x, ksize, stride=None, pad=0):
    """Spatial average pooling of NCHW images.

    Every window is divided by ``kh * kw``, padded zeros included.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        ksize (int or pair): Window size.
        stride (int, pair or None): Stride (``ksize`` when None).
        pad (int or pair): Zero padding.

    Returns:
        Variable: ``(N, C, out_h, out_w)``.

    Example:
        >>> F.average_pooling_2d(np.ones((1, 1, 4, 4), np.float32), 2).shape
        (1, 1, 2, 2)
    """
    p = PoolParams("average_pooling_2d", ksize, stride, pad, False)
    if type_check.enabled():
        p.check(x)
    return AveragePooling2D(p).apply((x,))[0]

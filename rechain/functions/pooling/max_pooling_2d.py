"""max_pooling_2d: maximum over 2-d windows.

The position of each maximum inside its window (``k = i * kw + j``) is a
second, hidden output of :class:`MaxPooling2D`, retained for backward; the
input is not retained. The gradient scatters ``gy`` to those positions
(:class:`MaxPooling2DGrad`), and the gradient of that gathers from them
(:class:`MaxPooling2DWithIndexes`); the two are each other's gradient.
"""

from rechain import backend
from rechain import function_node
from rechain.functions.pooling._pool_util import PoolParams
from rechain.utils import type_check


class MaxPooling2D(function_node.FunctionNode):
    """Input ``x``; outputs ``(y, indexes)``, the second hidden by the wrapper."""

    def __init__(self, params):
        self.p = params

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        p = self.p
        self._in_shape = x.shape
        out_h, out_w = p.outsize(x.shape[2], x.shape[3])
        xpad = p.padded(x, out_h, out_w, -float("inf"))
        y = idx = None
        for k, i, j in p.taps():
            v = p.tap(xpad, i, j, out_h, out_w)
            if y is None:
                y = v.copy()
                idx = xp.zeros(y.shape, dtype=xp.int32)
                continue
            mask = v > y   # strict: ties keep the first position
            xp.copyto(idx, k, where=mask)
            xp.maximum(y, v, out=y)
        self.retain_outputs((1,))
        return y, idx

    def backward(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if gy is None:
            return None,
        idx, = self.get_retained_outputs()
        return MaxPooling2DGrad(self.p, self._in_shape).apply((gy, idx))[0],


class MaxPooling2DGrad(function_node.FunctionNode):
    """Inputs ``(gy, indexes)``: ``gx`` with ``gy`` added at each argmax."""

    def __init__(self, params, in_shape):
        self.p = params
        self.in_shape = in_shape

    def forward(self, inputs):
        self.retain_inputs((1,))
        gy, idx = inputs
        xp = backend.get_array_module(gy)
        p = self.p
        n, c, h, w = self.in_shape
        out_h, out_w = gy.shape[2:]
        gx = p.canvas(xp, n, c, h, w, gy.dtype, out_h, out_w)
        for k, i, j in p.taps():
            v = p.tap(gx, i, j, out_h, out_w)
            v += gy * (idx == k)
        return p.crop(gx, h, w),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 1 or ggx is None:
                ret.append(None)   # positions are not differentiable
            else:
                idx, = self.get_retained_inputs()
                ret.append(MaxPooling2DWithIndexes(self.p).apply((ggx, idx))[0])
        return tuple(ret)


class MaxPooling2DWithIndexes(function_node.FunctionNode):
    """Inputs ``(x, indexes)``: the value of ``x`` at each given window position."""

    def __init__(self, params):
        self.p = params

    def forward(self, inputs):
        self.retain_inputs((1,))
        x, idx = inputs
        xp = backend.get_array_module(x)
        p = self.p
        self._in_shape = x.shape
        out_h, out_w = idx.shape[2:]
        xpad = p.padded(x, out_h, out_w, 0)
        y = xp.zeros(idx.shape, dtype=x.dtype)
        for k, i, j in p.taps():
            xp.copyto(y, p.tap(xpad, i, j, out_h, out_w), where=idx == k)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 1 or gy is None:
                ret.append(None)
            else:
                idx, = self.get_retained_inputs()
                ret.append(MaxPooling2DGrad(self.p, self._in_shape).apply((gy, idx))[0])
        return tuple(ret)


def max_pooling_2d(x, ksize, stride=None, pad=0, cover_all=True, return_indices=False):
    """Spatial max pooling of NCHW images.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        ksize (int or pair): Window size.
        stride (int, pair or None): Stride (``ksize`` when None).
        pad (int or pair): Padding (never selected: it is ``-inf``).
        cover_all (bool): Extend the output so every input pixel is covered.
        return_indices (bool): Also return the position of each maximum inside
            its window (``i * kw + j``) as an int32 array.

    Returns:
        Variable ``(N, C, out_h, out_w)``, or ``(y, indexes)``.

    Example:
        >>> F.max_pooling_2d(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4), 2).array
        array([[[[ 5.,  7.],
                 [13., 15.]]]], dtype=float32)
    """
    p = PoolParams("max_pooling_2d", ksize, stride, pad, cover_all)
    if type_check.enabled():
        p.check(x, pad_below_window=True)
    y, idx = MaxPooling2D(p).apply((x,))
    if return_indices:
        return y, idx.array
    return y

"""im2col: extract convolution patches into the channel axis.

Im2Col and its adjoint Im2ColGrad (col2im) are each other's gradient, so
every order is differentiable. Both use the convolutions' column helpers
(functions/connection/_conv_util.py).
"""

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.connection import _conv_util as cu
from rechain.utils import type_check


class Im2Col(function_node.FunctionNode):
    """``(N, C, H, W)`` -> ``(N, C * kh * kw, out_h, out_w)``."""

    def __init__(self, ksize, stride, pad, cover_all, dilate):
        self.ksize, self.stride, self.pad = ksize, stride, pad
        self.cover_all, self.dilate = cover_all, dilate

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        outsize = tuple(cu.get_conv_outsize(n, k, s, p, self.cover_all, d) for n, k, s, p, d in
                        zip(x.shape[2:], self.ksize, self.stride, self.pad, self.dilate))
        col = cu.im2col_nd(x, self.ksize, self.stride, self.pad, outsize, self.dilate)
        n, c = x.shape[:2]
        return xp.ascontiguousarray(col).reshape((n, c * self.ksize[0] * self.ksize[1])
                                                 + outsize),

    def backward(self, indexes, grad_outputs):
        return Im2ColGrad(self.ksize, self.stride, self.pad, self.cover_all, self.dilate,
                          self._in_shape).apply(grad_outputs)


class Im2ColGrad(function_node.FunctionNode):
    """col2im: add every patch entry back into its pixel (the adjoint of Im2Col)."""

    def __init__(self, ksize, stride, pad, cover_all, dilate, in_shape):
        self.ksize, self.stride, self.pad = ksize, stride, pad
        self.cover_all, self.dilate, self.in_shape = cover_all, dilate, in_shape

    def forward(self, inputs):
        gy, = inputs
        n, c, h, w = self.in_shape
        col = gy.reshape((n, c) + self.ksize + gy.shape[2:])
        return cu.col2im_nd(col, (h, w), self.stride, self.pad, self.dilate),

    def backward(self, indexes, grad_outputs):
        return Im2Col(self.ksize, self.stride, self.pad, self.cover_all,
                      self.dilate).apply(grad_outputs)


def im2col(x, ksize, stride=1, pad=0, cover_all=False, dilate=1):
    """Rearrange the patches a convolution would see into the channel axis.

    ``y[n, (c * kh + i) * kw + j, p, q] = xpad[n, c, p * sy + i * dy, q * sx + j * dx]``.

    Args:
        x (Variable or ndarray): ``(N, C, H, W)`` float input.
        ksize (int or pair): Kernel size.
        stride (int or pair): Stride.
        pad (int or pair): Zero padding.
        cover_all (bool): Add a last, partial window so every pixel is covered.
        dilate (int or pair): Dilation.

    Returns:
        Variable: ``(N, C * kh * kw, out_h, out_w)``.

    Example:
        >>> F.im2col(np.ones((1, 1, 3, 3), np.float32), 2).shape
        (1, 4, 2, 2)
    """
    f = "im2col"
    _util.check_input(f, x)
    type_check.expect_float(f, "x", x)
    type_check.expect_ndim(f, "x", x, 4)
    ks = cu.pair(ksize, f, "ksize")
    st = cu.pair(stride, f, "stride")
    pd = cu.pair(pad, f, "pad")
    dl = cu.pair(dilate, f, "dilate")
    if min(ks) < 1 or min(st) < 1 or min(dl) < 1 or min(pd) < 0:
        raise ValueError(f"{f}: ksize, stride and dilate must be positive and pad non-negative, "
                         f"got ksize={ksize!r}, stride={stride!r}, pad={pad!r}, "
                         f"dilate={dilate!r}")
    for n, k, s, p, d in zip(x.shape[2:], ks, st, pd, dl):
        if cu.get_conv_outsize(n, k, s, p, cover_all, d) < 1:
            raise type_check.InvalidType(
                f"{f}: the kernel {ks} (dilate {dl}) does not fit x of shape {tuple(x.shape)} "
                f"with pad {pd}")
    return Im2Col(ks, st, pd, bool(cover_all), dl).apply((x,))[0]

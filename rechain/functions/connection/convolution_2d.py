"""convolution_2d: 2-d (grouped, dilated) convolution by im2col + matmul.

The forward reads the input through a strided im2col view and does one
batched matmul per group (the array kernels are those of
:mod:`convolution_nd`, with two spatial axes). Its gradient with respect to the input is a
transposed convolution (:mod:`deconvolution_2d`), with respect to the weight
:class:`Convolution2DGradW`; those three nodes close under differentiation.
"""

from rechain import function_node
from rechain.functions.connection import _conv_util as cu
from rechain.functions.connection import convolution_nd as _nd
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


class ConvParams:
    """Stride, padding, dilation and groups of one convolution (Python ints)."""

    def __init__(self, stride, pad, dilate, groups, fname="convolution_2d"):
        self.sy, self.sx = cu.pair(stride, fname, "stride")
        self.ph, self.pw = cu.pair(pad, fname, "pad")
        self.dy, self.dx = cu.pair(dilate, fname, "dilate")
        self.groups = int(groups)
        # The N-d view of the same parameters, which the array kernels read.
        self.ndim = 2
        self.stride = (self.sy, self.sx)
        self.pad = (self.ph, self.pw)
        self.dilate = (self.dy, self.dx)

    def check(self, fname):
        if self.sy < 1 or self.sx < 1:
            raise ValueError(f"{fname}: stride must be positive, got {(self.sy, self.sx)}")
        if self.ph < 0 or self.pw < 0:
            raise ValueError(f"{fname}: pad must be non-negative, got {(self.ph, self.pw)}")
        if self.dy < 1 or self.dx < 1:
            raise ValueError(f"{fname}: dilate must be positive, got {(self.dy, self.dx)}")
        if self.groups < 1:
            raise ValueError(f"{fname}: groups must be a positive int, got {self.groups}")

    def outsize(self, h, w, kh, kw, cover_all):
        return (cu.get_conv_outsize(h, kh, self.sy, self.ph, cover_all, self.dy),
                cu.get_conv_outsize(w, kw, self.sx, self.pw, cover_all, self.dx))

    def col(self, x, ksize, outsize):
        return cu.im2col_nd(x, ksize, self.stride, self.pad, outsize, self.dilate)


# -- array kernels ----------------------------------------------------------------

def conv_forward(x, W, b, p, out_h, out_w):
    """``y[n, o] = sum_{c,i,j} W[o, c, i, j] * col[n, c, i, j]`` (+ b), per group."""
    return _nd.conv_forward_nd(x, W, b, p, (out_h, out_w))


def conv_grad_w(x, gy, kh, kw, p):
    """``gW[o, c, i, j] = sum_{n,y,x} gy[n, o, y, x] * col(x)[n, c, i, j, y, x]``."""
    return _nd.conv_grad_w_nd(x, gy, (kh, kw), p)


def deconv_forward(x, W, b, p, out_h, out_w):
    """Transposed convolution: the adjoint of :func:`conv_forward` in ``x``."""
    return _nd.deconv_forward_nd(x, W, b, p, (out_h, out_w))


# -- nodes ------------------------------------------------------------------------

class Convolution2DFunction(function_node.FunctionNode):
    """Inputs ``(x, W)`` or ``(x, W, b)``; output ``y`` (NCHW)."""

    def __init__(self, params=1, cover_all=False, *chainer_args, dilate=1, groups=1):
        if not isinstance(params, ConvParams):
            # Chainer's signature (stride=1, pad=0, cover_all=False, *, dilate,
            # groups), which its tests call directly.
            pad = cover_all
            cover_all = chainer_args[0] if chainer_args else False
            params = ConvParams(params, pad, dilate, groups)
        self.p = params
        self.cover_all = bool(cover_all)

    @property
    def label(self):
        return "Convolution2D"

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        kh, kw = W.shape[2:]
        out_h, out_w = self.p.outsize(x.shape[2], x.shape[3], kh, kw, self.cover_all)
        self._in_hw = x.shape[2:]
        return conv_forward(x, W, b, self.p, out_h, out_w),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.connection.deconvolution_2d import Deconvolution2DFunction
        gy, = grad_outputs
        if gy is None:
            return (None,) * len(indexes)
        x, W = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(Deconvolution2DFunction(self.p, self._in_hw, self.cover_all)
                           .apply((gy, W))[0])
            elif i == 1:
                ret.append(Convolution2DGradW(self.p, W.shape[2:], self.cover_all)
                           .apply((x, gy))[0])
            else:
                ret.append(_sum(gy, axis=(0, 2, 3)))
        return tuple(ret)


class Convolution2DGradW(function_node.FunctionNode):
    """Weight gradient of a convolution from inputs ``(x, gy)``."""

    def __init__(self, params, ksize, cover_all):
        self.p = params
        self.kh, self.kw = ksize
        self.cover_all = cover_all

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        self._in_hw = x.shape[2:]
        return conv_grad_w(x, gy, self.kh, self.kw, self.p),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.connection.deconvolution_2d import Deconvolution2DFunction
        ggW, = grad_outputs
        if ggW is None:
            return (None,) * len(indexes)
        x, gy = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:   # d<ggW, gW(x, gy)>/dx = deconv(gy, ggW)
                ret.append(Deconvolution2DFunction(self.p, self._in_hw, self.cover_all)
                           .apply((gy, ggW))[0])
            else:        # d<ggW, gW(x, gy)>/dgy = conv(x, ggW)
                ret.append(Convolution2DFunction(self.p, self.cover_all)
                           .apply((x, ggW))[0])
        return tuple(ret)


# -- checks and wrapper -------------------------------------------------------------

def check_conv_inputs(fname, x, W, b, p, in_channels, out_channels, w_desc):
    """Checks shared by convolution and deconvolution (``in/out_channels`` of x/y)."""
    p.check(fname)
    type_check.expect_float(fname, "x", x)
    type_check.expect_float(fname, "W", W)
    if x.ndim != 4:
        raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                     f"{tuple(x.shape)}")
    if W.ndim != 4:
        raise type_check.InvalidType(f"{fname}: W must be 4-d {w_desc}, got shape "
                                     f"{tuple(W.shape)}")
    g = p.groups
    if in_channels % g or out_channels % g:
        raise type_check.InvalidType(
            f"{fname}: groups={g} must divide both the input channels ({in_channels}) "
            f"and the output channels ({out_channels}); x {tuple(x.shape)}, "
            f"W {tuple(W.shape)}")
    if b is not None:
        if b.shape != (out_channels,):
            raise type_check.InvalidType(f"{fname}: b must have shape ({out_channels},) "
                                         f"to match W {tuple(W.shape)}, got {tuple(b.shape)}")
        cu.check_bias_dtype(fname, b, x, W)


def convolution_2d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """Two-dimensional convolution (cross-correlation) of NCHW images.

    ``y[n, o, y, x] = b[o] + sum_{c,i,j} W[o, c, i, j] *
    xpad[n, g(o)*C/groups + c, y*sy + i*dy, x*sx + j*dx]``.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        W (Variable or ndarray): Filter ``(out_c, C / groups, kh, kw)``.
        b (Variable, ndarray or None): Bias ``(out_c,)``.
        stride (int or pair): Stride.
        pad (int or pair): Zero padding on each side.
        cover_all (bool): Extend the output so every input pixel is covered.
        dilate (int or pair): Dilation of the filter.
        groups (int): Number of channel groups.

    Returns:
        Variable: ``(N, out_c, out_h, out_w)``.

    Example:
        >>> F.convolution_2d(np.ones((1, 2, 5, 5), np.float32),
        ...                  np.ones((3, 2, 3, 3), np.float32), pad=1).shape
        (1, 3, 5, 5)
    """
    p = ConvParams(stride, pad, dilate, groups)
    if type_check.enabled():
        desc = "(out_channels, in_channels / groups, kh, kw)"
        if W.ndim == 4 and x.ndim == 4:
            oc, icg, kh, kw = W.shape
            check_conv_inputs("convolution_2d", x, W, b, p, x.shape[1], oc, desc)
            if x.shape[1] != icg * p.groups:
                raise type_check.InvalidType(
                    f"convolution_2d: x {tuple(x.shape)} has {x.shape[1]} channels but "
                    f"W {tuple(W.shape)} with groups={p.groups} expects "
                    f"W.shape[1] * groups = {icg * p.groups}")
            out = p.outsize(x.shape[2], x.shape[3], kh, kw, cover_all)
            if out[0] < 1 or out[1] < 1:
                raise type_check.InvalidType(
                    f"convolution_2d: the output would be empty ({out}) for x "
                    f"{tuple(x.shape)}, W {tuple(W.shape)}, stride {(p.sy, p.sx)}, "
                    f"pad {(p.ph, p.pw)}, dilate {(p.dy, p.dx)}")
        else:
            check_conv_inputs("convolution_2d", x, W, b, p, 1, 1, desc)
    args = (x, W) if b is None else (x, W, b)
    return cu.apply_promoted(Convolution2DFunction(p, bool(cover_all)), args)

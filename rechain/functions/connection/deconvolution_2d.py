"""deconvolution_2d: transposed 2-d convolution (the adjoint of convolution_2d).

Forward: one matmul per group into columns, then col2im. Gradients: with
respect to the input a convolution, with respect to the weight
:class:`~rechain.functions.connection.convolution_2d.Convolution2DGradW` with
the roles of input and output gradient swapped.
"""

from rechain import function_node
from rechain.functions.connection import _conv_util as cu
from rechain.functions.connection.convolution_2d import (
    Convolution2DFunction, Convolution2DGradW, ConvParams, check_conv_inputs, deconv_forward)
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


class Deconvolution2DFunction(function_node.FunctionNode):
    """Inputs ``(x, W)`` or ``(x, W, b)``, W ``(in_c, out_c / groups, kh, kw)``.

    Args:
        params (ConvParams): Stride, pad, dilation, groups.
        outsize (pair of int): Output height and width.
        cover_all (bool): Whether the convolution this transposes used
            ``cover_all`` (decides the size of the gradient's convolution).
    """

    def __init__(self, params, outsize, cover_all=False):
        self.p = params
        self.out_h, self.out_w = outsize
        self.cover_all = cover_all

    @property
    def label(self):
        return "Deconvolution2D"

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        return deconv_forward(x, W, b, self.p, self.out_h, self.out_w),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return (None,) * len(indexes)
        x, W = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(Convolution2DFunction(self.p, self.cover_all)
                           .apply((gy, W))[0])
            elif i == 1:   # gW[c_in, c_out, i, j] = sum x[n, c_in] * col(gy)[n, c_out, i, j]
                ret.append(Convolution2DGradW(self.p, W.shape[2:], self.cover_all)
                           .apply((gy, x))[0])
            else:
                ret.append(_sum(gy, axis=(0, 2, 3)))
        return tuple(ret)


def _resolve_outsize(p, h, w, kh, kw, outsize):
    """Return ``(out_h, out_w)`` and the matching ``cover_all``, or raise."""
    if outsize is None:
        out = (cu.get_deconv_outsize(h, kh, p.sy, p.ph, False, p.dy),
               cu.get_deconv_outsize(w, kw, p.sx, p.pw, False, p.dx))
        return out, False
    out = cu.pair(outsize, "deconvolution_2d", "outsize")
    for cover_all in (False, True):
        if p.outsize(out[0], out[1], kh, kw, cover_all) == (h, w):
            return out, cover_all
    return out, None


def deconvolution_2d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """Two-dimensional transposed convolution ("deconvolution") of NCHW images.

    It is the adjoint of :func:`convolution_2d` with the same stride, pad,
    dilation and groups: every input pixel scatters ``x * W`` into a window
    of the output.

    Args:
        x (Variable or ndarray): Input ``(N, in_c, H, W)``.
        W (Variable or ndarray): Filter ``(in_c, out_c / groups, kh, kw)``.
        b (Variable, ndarray or None): Bias ``(out_c,)``.
        stride (int or pair): Stride.
        pad (int or pair): Padding removed from each side of the output.
        outsize (pair or None): Output size; by default
            ``stride * (H - 1) + dilated kernel - 2 * pad``.
        dilate (int or pair): Dilation of the filter.
        groups (int): Number of channel groups.

    Returns:
        Variable: ``(N, out_c, out_h, out_w)``.

    Example:
        >>> F.deconvolution_2d(np.ones((1, 2, 3, 3), np.float32),
        ...                    np.ones((2, 4, 2, 2), np.float32), stride=2).shape
        (1, 4, 6, 6)
    """
    p = ConvParams(stride, pad, dilate, groups, "deconvolution_2d")
    p.check("deconvolution_2d")
    kh, kw = (W.shape[2:] if W.ndim == 4 else (1, 1))
    h, w = (x.shape[2:] if x.ndim == 4 else (1, 1))
    out, cover_all = _resolve_outsize(p, h, w, kh, kw, outsize)
    if type_check.enabled():
        desc = "(in_channels, out_channels / groups, kh, kw)"
        if W.ndim == 4 and x.ndim == 4:
            check_conv_inputs("deconvolution_2d", x, W, b, p, W.shape[0],
                                    W.shape[1] * p.groups, desc)
            if x.shape[1] != W.shape[0]:
                raise type_check.InvalidType(
                    f"deconvolution_2d: x {tuple(x.shape)} has {x.shape[1]} channels but "
                    f"W {tuple(W.shape)} expects W.shape[0] = {W.shape[0]}")
            if out[0] < 1 or out[1] < 1 or cover_all is None:
                raise type_check.InvalidType(
                    f"deconvolution_2d: outsize {out} is inconsistent with x "
                    f"{tuple(x.shape)}, W {tuple(W.shape)}, stride {(p.sy, p.sx)}, "
                    f"pad {(p.ph, p.pw)}, dilate {(p.dy, p.dx)}: a convolution of it "
                    f"would not give size {(h, w)}")
        else:
            check_conv_inputs("deconvolution_2d", x, W, b, p, 1, 1, desc)
    args = (x, W) if b is None else (x, W, b)
    return cu.apply_promoted(Deconvolution2DFunction(p, out, bool(cover_all)), args)

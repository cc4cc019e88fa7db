"""deconvolution_nd: N-dimensional transposed convolution (adjoint of convolution_nd).

Forward: one matmul per group into columns, then col2im. Gradients: with
respect to the input a convolution, with respect to the weight
:class:`~rechain.functions.connection.convolution_nd.ConvolutionNDGradW` with
the roles of input and output gradient swapped.
"""

from rechain import function_node
from rechain.functions.connection import _conv_util as cu
from rechain.functions.connection.convolution_nd import (
    ConvolutionNDFunction, ConvolutionNDGradW, ConvParamsND, check_bias, check_nd_inputs,
    deconv_forward_nd)
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


class DeconvolutionNDFunction(function_node.FunctionNode):
    """Inputs ``(x, W)`` or ``(x, W, b)``, W ``(in_c, out_c / groups, *ksize)``.

    Args:
        params (ConvParamsND): Stride, pad, dilation, groups.
        outsize (tuple of int): Spatial size of the output.
        cover_all (bool): Whether the convolution this transposes used
            ``cover_all`` (decides the size of the gradient's convolution).
    """

    def __init__(self, params, outsize, cover_all=False):
        self.p = params
        self.outsize = tuple(outsize)
        self.cover_all = cover_all

    @property
    def label(self):
        return f"Deconvolution{self.p.ndim}D"

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        return deconv_forward_nd(x, W, b, self.p, self.outsize),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return (None,) * len(indexes)
        x, W = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(ConvolutionNDFunction(self.p, self.cover_all).apply((gy, W))[0])
            elif i == 1:
                ret.append(ConvolutionNDGradW(self.p, W.shape[2:], self.cover_all)
                           .apply((gy, x))[0])
            else:
                ret.append(_sum(gy, axis=(0,) + tuple(range(2, 2 + self.p.ndim))))
        return tuple(ret)


def _resolve_outsize(fname, p, insize, ksize, outsize):
    """Return the output size and the matching ``cover_all`` (None: inconsistent)."""
    if outsize is None:
        return tuple(cu.get_deconv_outsize(n, k, s, q, False, d) for n, k, s, q, d
                     in zip(insize, ksize, p.stride, p.pad, p.dilate)), False
    out = cu.ntuple(outsize, p.ndim, fname, "outsize")
    for cover_all in (False, True):
        if p.outsize(out, ksize, cover_all) == tuple(insize):
            return out, cover_all
    return out, None


def _deconvolution(fname, x, W, b, stride, pad, outsize, dilate, groups, ndim=None):
    if ndim is None:
        ndim = x.ndim - 2
        if ndim < 1:
            raise type_check.InvalidType(f"{fname}: x must have at least 3 dimensions "
                                         f"(N, C, spatial...), got shape {tuple(x.shape)}")
    p = ConvParamsND(ndim, stride, pad, dilate, groups, fname)
    p.check(fname)
    if type_check.enabled():
        check_nd_inputs(fname, x, W, b, p, ndim,
                        "(in_channels, out_channels / groups, *ksize)")
        g = p.groups
        if W.shape[0] % g:
            raise type_check.InvalidType(f"{fname}: groups={g} must divide the input "
                                         f"channels W.shape[0] = {W.shape[0]} "
                                         f"(W {tuple(W.shape)})")
        if x.shape[1] != W.shape[0]:
            raise type_check.InvalidType(
                f"{fname}: x {tuple(x.shape)} has {x.shape[1]} channels but W "
                f"{tuple(W.shape)} expects W.shape[0] = {W.shape[0]}")
        check_bias(fname, b, W.shape[1] * g, W, x)
    out, cover_all = _resolve_outsize(fname, p, x.shape[2:], W.shape[2:], outsize)
    if min(out) < 1 or cover_all is None:
        raise type_check.InvalidType(
            f"{fname}: outsize {out} is inconsistent with x {tuple(x.shape)}, "
            f"W {tuple(W.shape)}, {p.describe()}: a convolution of it would not give "
            f"size {tuple(x.shape[2:])}")
    args = (x, W) if b is None else (x, W, b)
    return cu.apply_promoted(DeconvolutionNDFunction(p, out, bool(cover_all)), args)


def deconvolution_nd(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """N-dimensional transposed convolution ("deconvolution").

    The adjoint of :func:`convolution_nd` with the same stride, pad, dilation
    and groups: each input element scatters ``x * W`` into a window of the
    output.

    Args:
        x (Variable or ndarray): Input ``(N, in_c, d_1, ..., d_n)``.
        W (Variable or ndarray): Filter ``(in_c, out_c / groups, k_1, ..., k_n)``.
        b (Variable, ndarray or None): Bias ``(out_c,)``.
        stride (int or tuple of ints): Stride per spatial axis.
        pad (int or tuple of ints): Padding removed from both sides of the output.
        outsize (tuple of ints or None): Output spatial size; by default
            ``stride * (d - 1) + dilated kernel - 2 * pad`` per axis.
        dilate (int or tuple of ints): Dilation of the filter.
        groups (int): Number of channel groups.

    Returns:
        Variable: ``(N, out_c, o_1, ..., o_n)``.

    Example:
        >>> F.deconvolution_nd(np.ones((1, 2, 3, 3, 3), np.float32),
        ...                    np.ones((2, 4, 2, 2, 2), np.float32), stride=2).shape
        (1, 4, 6, 6, 6)
    """
    return _deconvolution("deconvolution_nd", x, W, b, stride, pad, outsize, dilate, groups)


def deconvolution_1d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """One-dimensional transposed convolution; see :func:`deconvolution_nd`.

    Args:
        x (Variable or ndarray): Input ``(N, in_c, L)``.
        W (Variable or ndarray): Filter ``(in_c, out_c / groups, k)``.
        b, stride, pad, outsize, dilate, groups: As for :func:`deconvolution_nd`.

    Returns:
        Variable: ``(N, out_c, out_L)``.

    Example:
        >>> F.deconvolution_1d(np.ones((2, 3, 5), np.float32),
        ...                    np.ones((3, 4, 3), np.float32)).shape
        (2, 4, 7)
    """
    return _deconvolution("deconvolution_1d", x, W, b, stride, pad, outsize, dilate, groups, 1)


def deconvolution_3d(x, W, b=None, stride=1, pad=0, outsize=None, dilate=1, groups=1):
    """Three-dimensional transposed convolution; see :func:`deconvolution_nd`.

    Args:
        x (Variable or ndarray): Input ``(N, in_c, D, H, W)``.
        W (Variable or ndarray): Filter ``(in_c, out_c / groups, kd, kh, kw)``.
        b, stride, pad, outsize, dilate, groups: As for :func:`deconvolution_nd`.

    Returns:
        Variable: ``(N, out_c, out_d, out_h, out_w)``.

    Example:
        >>> F.deconvolution_3d(np.ones((1, 1, 2, 2, 2), np.float32),
        ...                    np.ones((1, 2, 2, 2, 2), np.float32)).shape
        (1, 2, 3, 3, 3)
    """
    return _deconvolution("deconvolution_3d", x, W, b, stride, pad, outsize, dilate, groups, 3)

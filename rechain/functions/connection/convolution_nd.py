"""convolution_nd: N-dimensional (grouped, dilated) convolution by im2col + matmul.

The N-d counterpart of :mod:`convolution_2d`, on ``(N, C, *size)`` inputs
and ``(out_c, C / groups, *ksize)`` filters. Three nodes close under
differentiation: the convolution, its weight gradient
(:class:`ConvolutionNDGradW`) and the transposed convolution
(:class:`~rechain.functions.connection.deconvolution_nd.DeconvolutionNDFunction`).
"""

from rechain import backend
from rechain import function_node
from rechain.functions.connection import _conv_util as cu
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


class ConvParamsND:
    """Stride, padding, dilation (tuples of ``ndim`` ints) and groups."""

    def __init__(self, ndim, stride, pad, dilate, groups, fname="convolution_nd"):
        self.ndim = ndim
        self.stride = cu.ntuple(stride, ndim, fname, "stride")
        self.pad = cu.ntuple(pad, ndim, fname, "pad")
        self.dilate = cu.ntuple(dilate, ndim, fname, "dilate")
        self.groups = groups

    def check(self, fname):
        if isinstance(self.groups, bool) or not isinstance(self.groups, int) \
                or self.groups < 1:
            raise ValueError(f"{fname}: groups must be a positive int, got {self.groups!r}")
        if min(self.stride) < 1:
            raise ValueError(f"{fname}: stride must be positive, got {self.stride}")
        if min(self.pad) < 0:
            raise ValueError(f"{fname}: pad must be non-negative, got {self.pad}")
        if min(self.dilate) < 1:
            raise ValueError(f"{fname}: dilate must be positive, got {self.dilate}")

    def outsize(self, size, ksize, cover_all):
        return tuple(cu.get_conv_outsize(n, k, s, p, cover_all, d) for n, k, s, p, d
                     in zip(size, ksize, self.stride, self.pad, self.dilate))

    def col(self, x, ksize, outsize):
        return cu.im2col_nd(x, ksize, self.stride, self.pad, outsize, self.dilate)

    def describe(self):
        return f"stride {self.stride}, pad {self.pad}, dilate {self.dilate}"


def _prod(xs):
    r = 1
    for v in xs:
        r *= v
    return r


# -- array kernels ----------------------------------------------------------------

def conv_forward_nd(x, W, b, p, outsize):
    """``y[n, o] = sum_{c, taps} W[o, c, taps] * col[n, c, taps]`` (+ b), per group."""
    xp = backend.get_array_module(x)
    n = x.shape[0]
    oc, icg = W.shape[:2]
    ksize = W.shape[2:]
    g = p.groups
    ocg = oc // g
    k = icg * _prod(ksize)
    size = _prod(outsize)
    col = p.col(x, ksize, outsize)
    if g == 1:
        y = xp.matmul(W.reshape(oc, k), col.reshape(n, k, size))
    else:
        y = xp.empty((n, oc, size), dtype=x.dtype)
        for gi in range(g):
            y[:, gi * ocg:(gi + 1) * ocg] = xp.matmul(
                W[gi * ocg:(gi + 1) * ocg].reshape(ocg, k),
                col[:, gi * icg:(gi + 1) * icg].reshape(n, k, size))
    y = y.reshape((n, oc) + tuple(outsize))
    if b is not None:
        y += b.reshape((1, oc) + (1,) * p.ndim)
    return y


def conv_grad_w_nd(x, gy, ksize, p):
    """``gW[o, c, taps] = sum_{n, pos} gy[n, o, pos] * col(x)[n, c, taps, pos]``."""
    xp = backend.get_array_module(x)
    nd = p.ndim
    n, c = x.shape[:2]
    oc = gy.shape[1]
    outsize = gy.shape[2:]
    g = p.groups
    icg, ocg = c // g, oc // g
    rows = n * _prod(outsize)
    col = p.col(x, ksize, outsize)
    # (C, *ksize, N, *outsize): the summed-over positions become one contiguous run.
    order = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    gorder = (1, 0) + tuple(range(2, 2 + nd))
    parts = []
    for gi in range(g):
        colk = col[:, gi * icg:(gi + 1) * icg].transpose(order).reshape(
            icg * _prod(ksize), rows)
        gyt = gy[:, gi * ocg:(gi + 1) * ocg].transpose(gorder).reshape(ocg, rows)
        parts.append(gyt.dot(colk.T))
    gW = parts[0] if g == 1 else xp.concatenate(parts, axis=0)
    return gW.reshape((oc, icg) + tuple(ksize))


def deconv_forward_nd(x, W, b, p, outsize):
    """Transposed convolution: the adjoint of :func:`conv_forward_nd` in ``x``."""
    xp = backend.get_array_module(x)
    n, c = x.shape[:2]
    insize = x.shape[2:]
    ocg = W.shape[1]
    ksize = W.shape[2:]
    g = p.groups
    icg = c // g
    oc = ocg * g
    k = ocg * _prod(ksize)
    m = _prod(insize)
    if g == 1:
        col = xp.matmul(W.reshape(c, k).T, x.reshape(n, c, m))
    else:
        col = xp.empty((n, oc * _prod(ksize), m), dtype=x.dtype)
        for gi in range(g):
            col[:, gi * k:(gi + 1) * k] = xp.matmul(
                W[gi * icg:(gi + 1) * icg].reshape(icg, k).T,
                x[:, gi * icg:(gi + 1) * icg].reshape(n, icg, m))
    y = cu.col2im_nd(col.reshape((n, oc) + tuple(ksize) + tuple(insize)), outsize,
                     p.stride, p.pad, p.dilate)
    if b is not None:
        y += b.reshape((1, oc) + (1,) * p.ndim)
    return y


# -- nodes ------------------------------------------------------------------------

class ConvolutionNDFunction(function_node.FunctionNode):
    """Inputs ``(x, W)`` or ``(x, W, b)``; output ``(N, out_c, *outsize)``."""

    def __init__(self, params, cover_all=False):
        self.p = params
        self.cover_all = cover_all

    @property
    def label(self):
        return f"Convolution{self.p.ndim}D"

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[0], inputs[1]
        b = inputs[2] if len(inputs) == 3 else None
        self._in_size = x.shape[2:]
        outsize = self.p.outsize(x.shape[2:], W.shape[2:], self.cover_all)
        return conv_forward_nd(x, W, b, self.p, outsize),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.connection.deconvolution_nd import DeconvolutionNDFunction
        gy, = grad_outputs
        if gy is None:
            return (None,) * len(indexes)
        x, W = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(DeconvolutionNDFunction(self.p, self._in_size, self.cover_all)
                           .apply((gy, W))[0])
            elif i == 1:
                ret.append(ConvolutionNDGradW(self.p, W.shape[2:], self.cover_all)
                           .apply((x, gy))[0])
            else:
                ret.append(_sum(gy, axis=(0,) + tuple(range(2, 2 + self.p.ndim))))
        return tuple(ret)


class ConvolutionNDGradW(function_node.FunctionNode):
    """Weight gradient of an N-d convolution from inputs ``(x, gy)``."""

    def __init__(self, params, ksize, cover_all):
        self.p = params
        self.ksize = tuple(ksize)
        self.cover_all = cover_all

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        self._in_size = x.shape[2:]
        return conv_grad_w_nd(x, gy, self.ksize, self.p),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.connection.deconvolution_nd import DeconvolutionNDFunction
        ggW, = grad_outputs
        if ggW is None:
            return (None,) * len(indexes)
        x, gy = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:   # d<ggW, gW(x, gy)>/dx = deconv(gy, ggW)
                ret.append(DeconvolutionNDFunction(self.p, self._in_size, self.cover_all)
                           .apply((gy, ggW))[0])
            else:        # d<ggW, gW(x, gy)>/dgy = conv(x, ggW)
                ret.append(ConvolutionNDFunction(self.p, self.cover_all)
                           .apply((x, ggW))[0])
        return tuple(ret)


# -- checks and wrappers ------------------------------------------------------------

def check_nd_inputs(fname, x, W, b, p, ndim, w_desc):
    """dtype and rank checks shared by convolution_nd and deconvolution_nd."""
    type_check.expect_float(fname, "x", x)
    type_check.expect_float(fname, "W", W)
    if x.ndim != ndim + 2:
        raise type_check.InvalidType(
            f"{fname}: x must be {ndim + 2}-d (N, C, {ndim} spatial axes), got shape "
            f"{tuple(x.shape)}")
    if W.ndim != ndim + 2:
        raise type_check.InvalidType(f"{fname}: W must be {ndim + 2}-d {w_desc}, got shape "
                                     f"{tuple(W.shape)}")


def check_bias(fname, b, out_channels, W, x=None):
    if b is None:
        return
    if tuple(b.shape) != (out_channels,):
        raise type_check.InvalidType(f"{fname}: b must have shape ({out_channels},) to "
                                     f"match W {tuple(W.shape)}, got {tuple(b.shape)}")
    cu.check_bias_dtype(fname, b, W if x is None else x, W)


def _convolution(fname, x, W, b, stride, pad, cover_all, dilate, groups, ndim=None):
    if ndim is None:
        ndim = x.ndim - 2
        if ndim < 1:
            raise type_check.InvalidType(f"{fname}: x must have at least 3 dimensions "
                                         f"(N, C, spatial...), got shape {tuple(x.shape)}")
    p = ConvParamsND(ndim, stride, pad, dilate, groups, fname)
    p.check(fname)
    if type_check.enabled():
        check_nd_inputs(fname, x, W, b, p, ndim,
                        "(out_channels, in_channels / groups, *ksize)")
        oc, icg = W.shape[:2]
        g = p.groups
        if oc % g:
            raise type_check.InvalidType(f"{fname}: groups={g} must divide the output "
                                         f"channels W.shape[0] = {oc} (W {tuple(W.shape)})")
        if x.shape[1] != icg * g:
            raise type_check.InvalidType(
                f"{fname}: x {tuple(x.shape)} has {x.shape[1]} channels but W "
                f"{tuple(W.shape)} with groups={g} expects W.shape[1] * groups = {icg * g}")
        check_bias(fname, b, oc, W, x)
        out = p.outsize(x.shape[2:], W.shape[2:], cover_all)
        if min(out) < 1:
            raise type_check.InvalidType(
                f"{fname}: the output would be empty ({out}) for x {tuple(x.shape)}, "
                f"W {tuple(W.shape)}, {p.describe()}")
    args = (x, W) if b is None else (x, W, b)
    return cu.apply_promoted(ConvolutionNDFunction(p, bool(cover_all)), args)


def convolution_nd(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """N-dimensional convolution (cross-correlation) of ``(N, C, *size)`` inputs.

    ``y[n, o, pos] = b[o] + sum_{c, taps} W[o, c, taps] *
    xpad[n, group(o) * C / groups + c, pos * stride + taps * dilate]``; the number
    of spatial axes is ``x.ndim - 2``.

    Args:
        x (Variable or ndarray): Input ``(N, C, d_1, ..., d_n)``.
        W (Variable or ndarray): Filter ``(out_c, C / groups, k_1, ..., k_n)``.
        b (Variable, ndarray or None): Bias ``(out_c,)``.
        stride (int or tuple of ints): Stride per spatial axis.
        pad (int or tuple of ints): Zero padding on both sides of each axis.
        cover_all (bool): Extend the output so every input element is covered.
        dilate (int or tuple of ints): Dilation of the filter.
        groups (int): Number of channel groups.

    Returns:
        Variable: ``(N, out_c, o_1, ..., o_n)``.

    Example:
        >>> F.convolution_nd(np.ones((1, 2, 4, 4, 4), np.float32),
        ...                  np.ones((3, 2, 3, 3, 3), np.float32), pad=1).shape
        (1, 3, 4, 4, 4)
    """
    return _convolution("convolution_nd", x, W, b, stride, pad, cover_all, dilate, groups)


def convolution_1d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """One-dimensional convolution of ``(N, C, L)`` inputs; see :func:`convolution_nd`.

    Args:
        x (Variable or ndarray): Input ``(N, C, L)``.
        W (Variable or ndarray): Filter ``(out_c, C / groups, k)``.
        b, stride, pad, cover_all, dilate, groups: As for :func:`convolution_nd`.

    Returns:
        Variable: ``(N, out_c, out_L)``.

    Example:
        >>> F.convolution_1d(np.ones((2, 3, 10), np.float32),
        ...                  np.ones((4, 3, 3), np.float32)).shape
        (2, 4, 8)
    """
    return _convolution("convolution_1d", x, W, b, stride, pad, cover_all, dilate, groups, 1)


def convolution_3d(x, W, b=None, stride=1, pad=0, cover_all=False, dilate=1, groups=1):
    """Three-dimensional convolution of ``(N, C, D, H, W)`` inputs; see :func:`convolution_nd`.

    Args:
        x (Variable or ndarray): Input ``(N, C, D, H, W)``.
        W (Variable or ndarray): Filter ``(out_c, C / groups, kd, kh, kw)``.
        b, stride, pad, cover_all, dilate, groups: As for :func:`convolution_nd`.

    Returns:
        Variable: ``(N, out_c, out_d, out_h, out_w)``.

    Example:
        >>> F.convolution_3d(np.ones((1, 1, 3, 3, 3), np.float32),
        ...                  np.ones((2, 1, 2, 2, 2), np.float32)).shape
        (1, 2, 2, 2, 2)
    """
    return _convolution("convolution_3d", x, W, b, stride, pad, cover_all, dilate, groups, 3)

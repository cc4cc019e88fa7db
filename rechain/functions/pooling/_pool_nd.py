"""Window geometry and the nodes shared by the N-d pooling family.

Images are ``(N, C, *size)``. A pooling reads, for every kernel tap
``t = (t_1, ..., t_d)``, the strided view of the padded input that the tap
sees at every output position (:meth:`PoolParamsND.tap`); the only Python
loop is over taps. Two pairs of nodes close under differentiation:

- :class:`SumPoolingND` (each window summed and divided by a constant or a
  per-position count) and :class:`SpreadND` (each ``gy`` added into its
  window, divided the same way) are each other's adjoint; average pooling is
  the first, unpooling the second.
- :class:`MaxPoolingNDGrad` (``gy`` added at the given tap of each window)
  and :class:`MaxPoolingNDWithIndexes` (the value at the given tap) are each
  other's adjoint; the gradient of max pooling is the first, upsampling is
  the first too.
"""

import itertools

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.connection import _conv_util as cu
from rechain.utils import type_check


class PoolParamsND:
    """Kernel size, stride, padding (tuples of ``ndim`` ints) and ``cover_all``."""

    def __init__(self, fname, ndim, ksize, stride, pad, cover_all):
        self.fname = fname
        self.ndim = ndim
        self.ksize = cu.ntuple(ksize, ndim, fname, "ksize")
        self.stride = self.ksize if stride is None else cu.ntuple(stride, ndim, fname,
                                                                   "stride")
        self.pad = cu.ntuple(pad, ndim, fname, "pad")
        self.cover_all = bool(cover_all)

    def outsize(self, size):
        return tuple(cu.get_conv_outsize(n, k, s, p, self.cover_all)
                     for n, k, s, p in zip(size, self.ksize, self.stride, self.pad))

    def insize(self, outsize):
        """The size whose pooling has ``outsize`` positions (the deconv rule)."""
        return tuple(cu.get_deconv_outsize(n, k, s, p, self.cover_all)
                     for n, k, s, p in zip(outsize, self.ksize, self.stride, self.pad))

    def taps(self):
        """``(k, t)`` for every kernel tap ``t``, ``k`` its row-major flat index."""
        return list(enumerate(itertools.product(*(range(k) for k in self.ksize))))

    def check_params(self):
        fname = self.fname
        if min(self.ksize) < 1:
            raise ValueError(f"{fname}: ksize must be positive, got {self.ksize}")
        if min(self.stride) < 1:
            raise ValueError(f"{fname}: stride must be positive, got {self.stride}")
        if min(self.pad) < 0:
            raise ValueError(f"{fname}: pad must be non-negative, got {self.pad}")

    def check(self, x, argname="x", pad_below_window=False):
        """Parameters, and ``x``: float, ``ndim + 2`` dims, a window that fits."""
        fname = self.fname
        self.check_params()
        type_check.expect_float(fname, argname, x)
        if x.ndim != self.ndim + 2:
            raise type_check.InvalidType(
                f"{fname}: {argname} must be {self.ndim + 2}-d (N, C, {self.ndim} spatial "
                f"axes), got shape {tuple(x.shape)}")
        padded = tuple(n + 2 * p for n, p in zip(x.shape[2:], self.pad))
        if any(k > n for k, n in zip(self.ksize, padded)):
            raise type_check.InvalidType(
                f"{fname}: window {self.ksize} is larger than the padded input {padded} of "
                f"{argname} {tuple(x.shape)} with pad {self.pad}")
        if pad_below_window and any(p >= k for p, k in zip(self.pad, self.ksize)):
            raise type_check.InvalidType(
                f"{fname}: pad {self.pad} must be smaller than the window {self.ksize} "
                f"({argname} {tuple(x.shape)})")

    def _far(self, size, outsize):
        return tuple(max((o - 1) * s + k - n - p, 0) for n, k, s, p, o
                     in zip(size, self.ksize, self.stride, self.pad, outsize))

    def padded(self, x, outsize, value):
        """``x`` padded so every window of an ``outsize`` output lies inside."""
        far = self._far(x.shape[2:], outsize)
        if not any(self.pad) and not any(far):
            return x
        xp = backend.get_array_module(x)
        return xp.pad(x, ((0, 0), (0, 0)) + tuple(zip(self.pad, far)), mode="constant",
                      constant_values=value)

    def tap(self, xpad, t, outsize):
        """The ``(N, C, *outsize)`` view that tap ``t`` reads."""
        return xpad[(slice(None), slice(None)) + tuple(
            slice(i, i + s * (o - 1) + 1, s) for i, s, o in zip(t, self.stride, outsize))]

    def canvas(self, xp, lead, size, outsize, dtype):
        """Zeros large enough for every tap of an ``outsize`` output over ``size``."""
        shape = tuple(max((o - 1) * s + k, p + n) for n, k, s, p, o
                      in zip(size, self.ksize, self.stride, self.pad, outsize))
        return xp.zeros(tuple(lead) + shape, dtype=dtype)

    def crop(self, img, size):
        if not any(self.pad) and img.shape[2:] == tuple(size):
            return img
        return img[(slice(None), slice(None)) + tuple(
            slice(p, p + n) for p, n in zip(self.pad, size))].copy()

    def counts(self, size, outsize):
        """Per output position, the number of window elements inside the input
        (not padding); shape ``(1, 1, *outsize)``, float64."""
        c = numpy.ones((1, 1) + (1,) * self.ndim)
        for d, (n, k, s, p, o) in enumerate(zip(size, self.ksize, self.stride, self.pad,
                                                outsize)):
            start = numpy.arange(o) * s - p
            inside = numpy.minimum(start + k, n) - numpy.maximum(start, 0)
            shape = [1] * (self.ndim + 2)
            shape[2 + d] = o
            c = c * numpy.maximum(inside, 0).reshape(shape)
        return c


def _divisor(xp, p, size, outsize, mode, dtype):
    """``mode``: ``"ksize"`` (the window's volume), ``"count"`` (its elements
    inside the input) or ``"one"`` (a plain sum). A scalar or an array."""
    if mode == "one":
        return None
    if mode == "ksize":
        v = 1
        for k in p.ksize:
            v *= k
        return dtype.type(1.0 / v)
    c = p.counts(size, outsize)
    return xp.asarray(1.0 / numpy.maximum(c, 1)).astype(dtype)


class SumPoolingND(function_node.FunctionNode):
    """``y[pos] = sum_t xpad[pos * stride + t] * w[pos]``: ``w`` per ``mode``
    (see :func:`_divisor`), padding counting as zeros. Linear; keeps nothing."""

    def __init__(self, params, mode, label="AveragePoolingND"):
        self.p = params
        self.mode = mode
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        x, = inputs
        p = self.p
        size = x.shape[2:]
        self._size = size
        outsize = p.outsize(size)
        xpad = p.padded(x, outsize, 0)
        y = None
        for _, t in p.taps():
            v = p.tap(xpad, t, outsize)
            if y is None:
                y = v.copy()
            else:
                y += v
        w = _divisor(backend.get_array_module(x), p, size, outsize, self.mode, x.dtype)
        if w is not None:
            y *= w
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return None,
        return SpreadND(self.p, self.mode, self._size).apply((gy,))[0],


class SpreadND(function_node.FunctionNode):
    """The adjoint of :class:`SumPoolingND` with output size ``size``: each
    ``gy[pos] * w[pos]`` is added to every element of its window."""

    def __init__(self, params, mode, size, label="SpreadND"):
        self.p = params
        self.mode = mode
        self.size = tuple(size)
        self._label = label

    @property
    def label(self):
        return self._label

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        p = self.p
        outsize = gy.shape[2:]
        w = _divisor(xp, p, self.size, outsize, self.mode, gy.dtype)
        g = gy if w is None else gy * w
        img = p.canvas(xp, gy.shape[:2], self.size, outsize, gy.dtype)
        for _, t in p.taps():
            v = p.tap(img, t, outsize)
            v += g
        return p.crop(img, self.size),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        if ggx is None:
            return None,
        return SumPoolingND(self.p, self.mode).apply((ggx,))[0],


class MaxPoolingND(function_node.FunctionNode):
    """Input ``x``; outputs ``(y, indexes)``: the maximum of each window and
    its tap's flat index (the first on ties). Keeps the indexes only."""

    def __init__(self, params):
        self.p = params

    @property
    def label(self):
        return f"MaxPooling{self.p.ndim}D"

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        p = self.p
        self._size = x.shape[2:]
        outsize = p.outsize(self._size)
        xpad = p.padded(x, outsize, -numpy.inf)
        y = idx = None
        for k, t in p.taps():
            v = p.tap(xpad, t, outsize)
            if y is None:
                y = v.copy()
                idx = xp.zeros(y.shape, dtype=xp.int32)
                continue
            xp.copyto(idx, k, where=v > y)
            xp.maximum(y, v, out=y)
        self.retain_outputs((1,))
        return y, idx

    def backward(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if gy is None:
            return None,
        idx, = self.get_retained_outputs()
        return MaxPoolingNDGrad(self.p, self._size).apply((gy, idx))[0],


class MaxPoolingNDGrad(function_node.FunctionNode):
    """Inputs ``(gy, indexes)``: an image of size ``size`` with each ``gy``
    added at its window's indexed tap."""

    def __init__(self, params, size):
        self.p = params
        self.size = tuple(size)

    def forward(self, inputs):
        self.retain_inputs((1,))
        gy, idx = inputs
        xp = backend.get_array_module(gy)
        p = self.p
        outsize = gy.shape[2:]
        img = p.canvas(xp, gy.shape[:2], self.size, outsize, gy.dtype)
        for k, t in p.taps():
            v = p.tap(img, t, outsize)
            v += gy * (idx == k)
        return p.crop(img, self.size),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        ret = []
        for i in indexes:
            if i == 1 or ggx is None:
                ret.append(None)   # positions are not differentiable
            else:
                idx, = self.get_retained_inputs()
                ret.append(MaxPoolingNDWithIndexes(self.p).apply((ggx, idx))[0])
        return tuple(ret)


class MaxPoolingNDWithIndexes(function_node.FunctionNode):
    """Inputs ``(x, indexes)``: the value of ``x`` at each window's indexed tap."""

    def __init__(self, params):
        self.p = params

    def forward(self, inputs):
        self.retain_inputs((1,))
        x, idx = inputs
        xp = backend.get_array_module(x)
        p = self.p
        self._size = x.shape[2:]
        outsize = idx.shape[2:]
        xpad = p.padded(x, outsize, 0)
        y = xp.zeros(idx.shape, dtype=x.dtype)
        for k, t in p.taps():
            xp.copyto(y, p.tap(xpad, t, outsize), where=idx == k)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 1 or gy is None:
                ret.append(None)
            else:
                idx, = self.get_retained_inputs()
                ret.append(MaxPoolingNDGrad(self.p, self._size).apply((gy, idx))[0])
        return tuple(ret)

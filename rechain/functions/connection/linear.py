"""linear: y = x W^T + b, and the two products its gradients are made of.

The three nodes close under differentiation, so gradients of any order exist:
``Linear`` (x W^T) needs ``LinearGradData`` (gy W) and ``LinearGradWeight``
(gy^T x); the gradients of those are again these three products.
"""

import numpy

from rechain import configuration
from rechain import function_node
from rechain import variable as _variable
from rechain.functions.array.reshape import reshape
from rechain.functions.connection import _conv_util
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


_config = configuration.config
_constant = _variable._constant


class LinearFunction(function_node.FunctionNode):
    """``y = x W^T (+ b)`` for a 2-d ``x``; inputs ``(x, W)`` or ``(x, W, b)``."""

    @property
    def label(self):
        return "Linear"

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, W = inputs[0], inputs[1]
        y = x.dot(W.T)
        if len(inputs) == 3:
            y += inputs[2]
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return (None,) * len(indexes)
        if not _config.enable_backprop and type(gy._data) is numpy.ndarray:
            return self._array_backward(indexes, gy._data)
        x, W = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(LinearGradData().apply((gy, W))[0])
            elif i == 1:
                ret.append(LinearGradWeight().apply((x, gy))[0])
            else:
                ret.append(_sum(gy, axis=0))
        return tuple(ret)


    def _array_backward(self, indexes, gy):
        """No double backprop: the products on arrays (what LinearGradData and
        LinearGradWeight compute), gx last, into x's memory when nobody else
        holds x (function_node Note [gradient buffers])."""
        x, W = self.get_retained_input_arrays()
        ret = {}
        if 1 in indexes:
            ret[1] = gy.T.dot(x)
        if 2 in indexes:
            ret[2] = gy.sum(axis=0)
        if 0 in indexes:
            out = None
            if x.dtype == W.dtype == gy.dtype and x.shape == (gy.shape[0], W.shape[1]):
                del x
                out = function_node.take_retained_input(self, 0)
            ret[0] = gy.dot(W) if out is None else numpy.dot(gy, W, out=out)
        return tuple([_constant(numpy.asarray(ret[i])) for i in indexes])


class LinearGradData(function_node.FunctionNode):
    """``gx = gy W`` from inputs ``(gy, W)``."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        gy, W = inputs
        return gy.dot(W),

    def backward(self, indexes, grad_outputs):
        ggx, = grad_outputs
        if ggx is None:
            return (None,) * len(indexes)
        gy, W = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:   # d<ggx, gy W>/dgy = ggx W^T
                ret.append(LinearFunction().apply((ggx, W))[0])
            else:        # d<ggx, gy W>/dW = gy^T ggx
                ret.append(LinearGradWeight().apply((ggx, gy))[0])
        return tuple(ret)


class LinearGradWeight(function_node.FunctionNode):
    """``gW = gy^T x`` from inputs ``(x, gy)``."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        return gy.T.dot(x),

    def backward(self, indexes, grad_outputs):
        ggW, = grad_outputs
        if ggW is None:
            return (None,) * len(indexes)
        x, gy = self.get_retained_inputs()
        ret = []
        for i in indexes:
            if i == 0:   # d<ggW, gy^T x>/dx = gy ggW
                ret.append(LinearGradData().apply((gy, ggW))[0])
            else:        # d<ggW, gy^T x>/dgy = x ggW^T
                ret.append(LinearFunction().apply((x, ggW))[0])
        return tuple(ret)


def _check(x, W, b, n_batch_axes):
    if not isinstance(n_batch_axes, (int, numpy.integer)) or n_batch_axes < 1:
        raise ValueError(f"linear: n_batch_axes must be a positive int, got {n_batch_axes!r}")
    type_check.expect_float("linear", "x", x)
    type_check.expect_float("linear", "W", W)
    if W.ndim != 2:
        raise type_check.InvalidType(f"linear: W must be 2-d (out_size, in_size), "
                                     f"got shape {W.shape}")
    if x.ndim <= n_batch_axes:
        raise type_check.InvalidType(
            f"linear: x of shape {x.shape} needs more than n_batch_axes={n_batch_axes} "
            f"dimensions")
    in_size = int(numpy.prod(x.shape[n_batch_axes:], dtype=numpy.int64))
    if in_size != W.shape[1]:
        raise type_check.InvalidType(
            f"linear: x {tuple(x.shape)} and W {tuple(W.shape)} do not match: x has "
            f"in_size {in_size} (product of x.shape[{n_batch_axes}:]) but "
            f"W.shape[1]={W.shape[1]}")
    if b is not None:
        if b.shape != (W.shape[0],):
            raise type_check.InvalidType(
                f"linear: b must have shape (out_size,)=({W.shape[0]},) to match W "
                f"{tuple(W.shape)}, got {tuple(b.shape)}")
        _conv_util.check_bias_dtype("linear", b, x, W)


def linear(x, W, b=None, n_batch_axes=1):
    """Affine map ``y = x W^T + b``.

    Args:
        x (Variable or ndarray): Input ``(*batch, in_size)``; with more than
            ``n_batch_axes + 1`` dimensions the trailing ones are flattened.
        W (Variable or ndarray): Weight ``(out_size, in_size)``.
        b (Variable, ndarray or None): Bias ``(out_size,)``.
        n_batch_axes (int): Number of leading batch axes of ``x``.

    Returns:
        Variable: ``(*batch, out_size)``.

    Example:
        >>> F.linear(np.ones((2, 3), np.float32), np.ones((4, 3), np.float32)).shape
        (2, 4)
    """
    if type_check.enabled():
        _check(x, W, b, n_batch_axes)
    batch_shape = x.shape[:n_batch_axes]
    reshaped = x.ndim != 2 or n_batch_axes != 1
    if reshaped:
        x = reshape(x, (int(numpy.prod(batch_shape, dtype=numpy.int64)), W.shape[1]))
    args = (x, W) if b is None else (x, W, b)
    y = _conv_util.apply_promoted(LinearFunction(), args)
    if reshaped:
        y = reshape(y, tuple(batch_shape) + (W.shape[0],))
    return y


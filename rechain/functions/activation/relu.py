"""relu and leaky_relu: piecewise-linear activations."""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable as _variable
from rechain.utils import type_check

_config = configuration.config


class ReLU(function_node.FunctionNode):
    """y = max(x, 0). Retains only its output (whose sign is x's)."""

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        return xp.asarray(xp.maximum(x, 0)),

    def backward(self, indexes, grad_outputs):
        gy = grad_outputs[0]
        if not _config.enable_backprop:
            # function_node Note [gradient buffers]: gx into y's memory
            y = function_node.take_retained_output(self, 0)
            if y is not None:
                g = gy._data
                if y.shape == g.shape and y.dtype == g.dtype and type(g) is numpy.ndarray:
                    numpy.greater(y, 0, out=y)   # relu_grad_array's steps, in place
                    y *= g
                    return _variable._constant(y),
                gy_ = ReLUGrad().apply((y, gy))[0]
                return gy_,
        y, = self.get_retained_outputs()
        return ReLUGrad().apply((y, gy))[0],


class ReLUGrad(function_node.FunctionNode):
    """gx = gy * (y > 0) on inputs ``(y, gy)``; linear in gy, so its own
    gradient is itself and the gradient with respect to ``y`` is zero."""

    def forward(self, inputs):
        y, gy = inputs
        xp = backend.get_array_module(y)
        self.retain_inputs((0,))
        return relu_grad_array(xp, y, gy),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_inputs()
        ret = []
        for i in indexes:
            ret.append(None if i == 0 else ReLUGrad().apply((y, grad_outputs[0]))[0])
        return tuple(ret)


def relu_grad_array(xp, y, gy):
    """``gy * (y > 0)`` in one allocation of gy's size (no boolean temporary).

    The mask is written as 0/1 into the result, which is then multiplied by
    ``gy`` in place; multiplication commutes exactly, so every bit equals
    ``gy * (y > 0)``'s, -0.0 (``-g * 0``) and NaN (``nan * 0``) included.
    """
    shape = gy.shape if y.shape == gy.shape else numpy.broadcast_shapes(y.shape, gy.shape)
    out = xp.empty(shape, gy.dtype)
    xp.greater(y, 0, out=out)
    out *= gy
    return out


class LeakyReLU(function_node.FunctionNode):
    """y = x for x > 0, slope * x otherwise."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        # With slope >= 0 the output has x's sign, so it can stand for x in
        # backward; a negative slope flips it and x itself is kept.
        if self.slope >= 0:
            self.retain_outputs((0,))
        else:
            self.retain_inputs((0,))
        return xp.asarray(xp.where(x > 0, x, x * self.slope)),

    def backward(self, indexes, grad_outputs):
        if self.slope >= 0:
            ref, = self.get_retained_outputs()
        else:
            ref, = self.get_retained_inputs()
        return LeakyReLUGrad(self.slope).apply((ref, grad_outputs[0]))[0],


class LeakyReLUGrad(function_node.FunctionNode):
    """gx = gy * (1 if ref > 0 else slope) on inputs ``(ref, gy)``."""

    def __init__(self, slope):
        self.slope = slope

    def forward(self, inputs):
        ref, gy = inputs
        xp = backend.get_array_module(ref)
        self.retain_inputs((0,))
        return xp.asarray(xp.where(ref > 0, gy, gy * self.slope)),

    def backward(self, indexes, grad_outputs):
        ref, = self.get_retained_inputs()
        ret = []
        for i in indexes:
            ret.append(None if i == 0 else
                       LeakyReLUGrad(self.slope).apply((ref, grad_outputs[0]))[0])
        return tuple(ret)


def relu(x):
    """Rectified linear unit, ``max(x, 0)`` elementwise.

    The gradient at 0 is taken to be 0.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.relu(np.array([-1., 2.], np.float32)).array
        array([0., 2.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("relu", "x", x)
    return ReLU().apply((x,))[0]


def leaky_relu(x, slope=0.2):
    """Leaky rectified linear unit: ``x`` where ``x > 0``, ``slope * x`` elsewhere.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        slope (float): Slope of the negative part.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.leaky_relu(np.array([-1., 2.], np.float32), slope=0.1).array
        array([-0.1,  2. ], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("leaky_relu", "x", x)
    return LeakyReLU(float(slope)).apply((x,))[0]

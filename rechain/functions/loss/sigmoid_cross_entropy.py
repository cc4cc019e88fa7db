"""sigmoid_cross_entropy."""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.activation.sigmoid import sigmoid
from rechain.utils import type_check

_constant = variable.Variable._constant


def _weights(t, normalize, reduce, dtype):
    """0 for ignored labels (-1), else 1 / count for 'mean' and 1 for 'no'."""
    xp = backend.get_array_module(t)
    valid = xp.asarray(t != -1, dtype=dtype)
    if reduce == "no":
        return valid
    if normalize:
        count = xp.maximum(valid.sum(), 1)
    else:
        count = max(t.shape[0] if t.ndim else 1, 1)
    valid /= count
    return valid


class SigmoidCrossEntropy(function_node.FunctionNode):
    """-(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) on inputs ``(x, t)``.

    Computed as ``max(x, 0) - x t + log1p(exp(-|x|))``, which never overflows.
    """

    def __init__(self, normalize, reduce):
        self.normalize = normalize
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0, 1))
        loss = xp.maximum(x, 0) - x * (t == 1) + xp.log1p(xp.exp(-abs(x)))
        loss *= _weights(t, self.normalize, self.reduce, x.dtype)
        if self.reduce == "mean":
            loss = loss.sum()
        return xp.asarray(loss, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        x, t = self.get_retained_inputs()
        if 0 not in indexes:
            return tuple([None] * len(indexes))
        t_arr = t.array
        xp = backend.get_array_module(t_arr)
        w = _weights(t_arr, self.normalize, self.reduce, x.dtype)
        target = xp.asarray(t_arr == 1, dtype=x.dtype)
        gy = grad_outputs[0]
        if not configuration.config.enable_backprop:
            # First order only: nothing records, so compute on arrays.
            xa = x.array
            gx = xp.tanh(xa * 0.5) * 0.5 + 0.5
            gx -= target
            gx *= w
            gx *= gy.array
            gx = _constant(xp.asarray(gx))
        else:
            gx = (sigmoid(x) - _constant(target)) * _constant(w) * gy
        return tuple([gx if i == 0 else None for i in indexes])


def sigmoid_cross_entropy(x, t, normalize=True, reduce="mean"):
    """Cross entropy between ``sigmoid(x)`` and binary labels ``t``, elementwise.

    Per element ``-(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))``; elements
    with ``t == -1`` are ignored.

    Args:
        x (Variable or ndarray): Scores of shape ``(N, ...)``.
        t (Variable or ndarray): Integer labels in {0, 1, -1}, of x's shape.
        normalize (bool): With ``reduce='mean'``, divide the sum by the number
            of non-ignored elements (True) or by the batch size N (False).
        reduce (str): ``'mean'`` for a 0-d loss, ``'no'`` for elementwise losses.

    Returns:
        Variable: The loss, of x's dtype.

    Example:
        >>> F.sigmoid_cross_entropy(np.zeros((1, 2), np.float32),
        ...                         np.array([[0, 1]], np.int32)).array
        array(0.6931472, dtype=float32)
    """
    if reduce not in ("mean", "no"):
        raise ValueError(f"sigmoid_cross_entropy: reduce must be 'mean' or 'no', "
                         f"got {reduce!r}")
    if type_check.enabled():
        f = "sigmoid_cross_entropy"
        type_check.expect_float(f, "x", x)
        type_check.expect_kind(f, "t", t, "iu", "an integer")
        if tuple(x.shape) != tuple(t.shape):
            raise type_check.InvalidType(
                f"{f}: x and t must have the same shape, got x {tuple(x.shape)} and "
                f"t {tuple(t.shape)}")
        t_arr = variable.as_array(t)
        if backend.get_array_module(t_arr) is numpy or configuration.config.debug:
            bad = (t_arr != 0) & (t_arr != 1) & (t_arr != -1)
            if bad.any():
                pos = tuple(int(i) for i in backend.to_cpu(
                    backend.get_array_module(bad).argwhere(bad)[0]))
                raise type_check.InvalidType(
                    f"{f}: t[{', '.join(map(str, pos))}]={int(t_arr[pos])} is not a valid "
                    f"label; labels must be 0, 1 or -1 (ignored) (t shape {tuple(t.shape)})")
    return SigmoidCrossEntropy(bool(normalize), reduce).apply((x, variable.as_array(t)))[0]

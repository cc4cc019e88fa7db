"""accuracy and binary_accuracy: non-differentiable metrics."""

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.utils import type_check


class Accuracy(function_node.FunctionNode):
    """Fraction of positions where argmax(y, axis=1) equals t (ignored labels excluded)."""

    def __init__(self, ignore_label):
        self.ignore_label = ignore_label

    def forward(self, inputs):
        y, t = inputs
        xp = backend.get_array_module(y)
        pred = y.argmax(axis=1).reshape(t.shape)
        return _ratio(xp, pred == t, t, self.ignore_label, y.dtype),

    def backward(self, indexes, grad_outputs):
        raise RuntimeError("accuracy is not differentiable")


class BinaryAccuracy(function_node.FunctionNode):
    """Fraction of positions where (y >= 0) equals t; t == -1 is ignored."""

    def forward(self, inputs):
        y, t = inputs
        xp = backend.get_array_module(y)
        return _ratio(xp, (y >= 0) == t, t, -1, y.dtype),

    def backward(self, indexes, grad_outputs):
        raise RuntimeError("binary_accuracy is not differentiable")


def _ratio(xp, hit, t, ignore_label, dtype):
    if ignore_label is None:
        total = t.size
        correct = hit.sum()
    else:
        valid = t != ignore_label
        total = valid.sum()
        correct = (hit & valid).sum()
    # 0 when nothing counts; computed on the device, without a host round trip.
    total = xp.asarray(total, dtype=dtype)
    return xp.asarray(xp.where(total > 0, correct / xp.maximum(total, 1), 0), dtype=dtype)


def _apply(node, y, t):
    with configuration.no_backprop_mode():
        return node.apply((y, variable.as_array(t)))[0]


def accuracy(y, t, ignore_label=None):
    """Classification accuracy: how often ``argmax(y, axis=1)`` equals ``t``.

    Not differentiable: the result requires no gradient.

    Args:
        y (Variable or ndarray): Scores of shape ``(N, C)`` or ``(N, C, d1, ...)``.
        t (Variable or ndarray): Integer labels of shape ``(N,)`` or ``(N, d1, ...)``.
        ignore_label (int or None): Label whose positions are left out of both
            the count and the total.

    Returns:
        Variable: A 0-d variable of y's dtype (0 when no position counts).

    Example:
        >>> F.accuracy(np.array([[0., 1.], [1., 0.]], np.float32),
        ...            np.array([1, 1], np.int32)).array
        array(0.5, dtype=float32)
    """
    if type_check.enabled():
        f = "accuracy"
        type_check.expect_float(f, "y", y)
        type_check.expect_kind(f, "t", t, "iu", "an integer")
        if y.ndim < 2:
            raise type_check.InvalidType(
                f"{f}: y must have at least 2 dimensions (N, C, ...), got shape {tuple(y.shape)}")
        ys, ts = tuple(y.shape), tuple(t.shape)
        if t.ndim == 0 or ys[0] != ts[0]:
            raise type_check.InvalidType(
                f"{f}: y and t must have the same batch size, got y {ys} and t {ts}")
        n = t.ndim
        if y.ndim < n or ys[2:n + 1] != ts[1:] or any(s != 1 for s in ys[n + 1:]):
            raise type_check.InvalidType(
                f"{f}: t of shape {ts} does not match y of shape {ys}; t must have y's "
                f"shape without the class axis 1")
    return _apply(Accuracy(ignore_label), y, t)


def binary_accuracy(y, t):
    """Binary classification accuracy: how often ``y >= 0`` agrees with ``t``.

    Positions where ``t == -1`` are ignored. Not differentiable.

    Args:
        y (Variable or ndarray): Scores (logits) of any shape.
        t (Variable or ndarray): Integer labels in {0, 1, -1} of y's shape.

    Returns:
        Variable: A 0-d variable of y's dtype.

    Example:
        >>> F.binary_accuracy(np.array([-1., 2.], np.float32), np.array([0, 0], np.int32)).array
        array(0.5, dtype=float32)
    """
    if type_check.enabled():
        f = "binary_accuracy"
        type_check.expect_float(f, "y", y)
        type_check.expect_kind(f, "t", t, "iu", "an integer")
        if tuple(y.shape) != tuple(t.shape):
            raise type_check.InvalidType(
                f"{f}: y and t must have the same shape, got y {tuple(y.shape)} and "
                f"t {tuple(t.shape)}")
    return _apply(BinaryAccuracy(), y, t)

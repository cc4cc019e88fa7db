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


def _check_labels(f, t, n_classes, allowed, ignore_label):
    """Labels must name a class (or be ``ignore_label``); the batch must not be empty."""
    t = variable.as_array(t)
    if t.size == 0:
        raise ValueError(f"{f}: the batch is empty (t has shape {tuple(t.shape)}); "
                         f"accuracy over no examples is undefined")
    xp = backend.get_array_module(t)
    bad = ~allowed(xp, t)
    if ignore_label is not None:
        bad &= t != ignore_label
    if bool(bad.any()):
        pos = tuple(int(i) for i in xp.argwhere(bad)[0])
        pos = pos[0] if len(pos) == 1 else pos
        what = (f"in [0, {n_classes})" if n_classes is not None else "0 or 1 (-1 ignored)")
        extra = ("" if ignore_label is None or n_classes is None
                 else f" or {ignore_label} (ignore_label)")
        raise ValueError(f"{f}: label {int(t[bad][0])} at position {pos} of t is out of "
                         f"range: labels must be {what}{extra}")


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
        Variable: A 0-d variable of y's dtype (0 when every position is ignored).

    Raises:
        ValueError: A label is outside ``[0, C)`` (and not ``ignore_label``),
            naming it and its position, or the batch is empty.

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
    n_classes = y.shape[1]
    _check_labels("accuracy", t, n_classes, lambda xp, t: (t >= 0) & (t < n_classes),
                  ignore_label)
    return _apply(Accuracy(ignore_label), y, t)


def binary_accuracy(y, t):
    """Binary classification accuracy: how often ``y >= 0`` agrees with ``t``.

    Positions where ``t == -1`` are ignored. Not differentiable. Another label,
    or an empty batch, raises ValueError.

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
    _check_labels("binary_accuracy", t, None, lambda xp, t: (t == 0) | (t == 1), -1)
    return _apply(BinaryAccuracy(), y, t)

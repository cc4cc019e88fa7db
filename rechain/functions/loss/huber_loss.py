"""huber_loss."""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.loss.mean_squared_error import _check_pair
from rechain.utils import type_check

_constant = variable.Variable._constant


class HuberLoss(function_node.FunctionNode):
    """0.5 d^2 where |d| <= delta, delta (|d| - delta / 2) elsewhere, d = x - t."""

    def __init__(self, delta, reduce):
        self.delta = delta
        self.reduce = reduce

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0, 1))
        d = x - t
        a = abs(d)
        delta = self.delta
        loss = xp.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        if self.reduce == "sum_along_second_axis":
            loss = loss.sum(axis=1)
        return xp.asarray(loss, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        x, t = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        d_arr = x.array - t.array
        inside = abs(d_arr) <= self.delta
        # d/dd of the loss is d inside the quadratic zone and delta*sign(d) outside.
        outside = xp.asarray(xp.where(inside, 0, xp.sign(d_arr) * self.delta), dtype=x.dtype)
        gy = grad_outputs[0]
        if self.reduce == "sum_along_second_axis":
            shape = list(x.shape)
            shape[1] = 1
            gy = reshape(gy, tuple(shape))
        gy = broadcast_to(gy, x.shape)
        g = (x - t) * _constant(inside.astype(x.dtype)) + _constant(outside)
        gx = gy * g
        return tuple([gx if i == 0 else -gx for i in indexes])


def huber_loss(x, t, delta, reduce="sum_along_second_axis"):
    """Huber loss of ``x`` against ``t``: quadratic for small errors, linear for large.

    Elementwise, with ``d = x - t``: ``0.5 * d**2`` where ``|d| <= delta`` and
    ``delta * (|d| - delta / 2)`` elsewhere.

    Args:
        x, t (Variable or ndarray): Arrays of the same shape (at least 2-d for
            the default ``reduce``) and float dtype.
        delta (float): Positive threshold between the two regimes.
        reduce (str): ``'sum_along_second_axis'`` sums over axis 1;
            ``'no'`` returns the elementwise loss.

    Returns:
        Variable: The loss, of shape ``x.shape`` without axis 1, or ``x.shape``.

    Example:
        >>> F.huber_loss(np.array([[0., 3.]], np.float32),
        ...              np.zeros((1, 2), np.float32), delta=1.0).array
        array([2.5], dtype=float32)
    """
    if reduce not in ("sum_along_second_axis", "no"):
        raise ValueError(f"huber_loss: reduce must be 'sum_along_second_axis' or 'no', "
                         f"got {reduce!r}")
    delta = float(delta)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    _check_pair("huber_loss", x, t, ("x", "t"))
    if reduce == "sum_along_second_axis" and type_check.enabled():
        type_check.expect_ndim("huber_loss", "x", x, 2, at_least=True)
    return HuberLoss(delta, reduce).apply((x, t))[0]

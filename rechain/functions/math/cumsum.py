"""cumsum: cumulative sum along an axis."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


class Cumsum(function_node.FunctionNode):
    """Cumulative sum along ``axis``; from the end of the axis when ``reverse``.

    The gradient of a cumulative sum is the reverse cumulative sum of the
    output gradient, and vice versa.
    """

    def __init__(self, axis, reverse=False):
        self.axis = axis
        self.reverse = reverse

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        if self.reverse:
            return xp.ascontiguousarray(
                xp.flip(xp.cumsum(xp.flip(x, self.axis), axis=self.axis), self.axis)),
        return xp.cumsum(x, axis=self.axis),

    def backward(self, indexes, grad_outputs):
        return Cumsum(self.axis, not self.reverse).apply(grad_outputs)


def cumsum(x, axis=None):
    """Cumulative sum of the elements of ``x`` along ``axis``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (int or None): Axis to accumulate along; None flattens ``x`` first
            (the result is then 1-d, as with :func:`numpy.cumsum`).

    Returns:
        Variable: The running sums, same dtype as ``x``.

    Example:
        >>> F.cumsum(np.array([1., 2., 3.], np.float32)).array
        array([1., 3., 6.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("cumsum", "x", x)
    if axis is None:
        return Cumsum(0).apply((reshape(x, (x.size,)),))[0]
    try:  # like NumPy, a 0-d input counts as 1-d
        axis = type_check.normalize_axis("cumsum", axis, x.ndim or 1)
    except type_check.InvalidType as e:
        raise type_check.InvalidType(f"{e} (x shape {tuple(x.shape)})") from None
    if x.ndim == 0:
        x = reshape(x, (1,))
    return Cumsum(axis).apply((x,))[0]

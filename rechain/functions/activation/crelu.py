"""crelu: concatenated ReLU, ``concat(relu(x), relu(-x))``."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.split_axis import split_axis
from rechain.utils import type_check


class CReLU(function_node.FunctionNode):
    """y = concat(max(x, 0), max(-x, 0)) along ``axis``; retains x.

    gx = gy_first * (x > 0) - gy_second * (x < 0), with the masks constants,
    so the gradient is itself differentiable (linear in gy).
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        zero = x.dtype.type(0)
        return xp.concatenate((xp.maximum(x, zero), xp.maximum(-x, zero)), axis=self.axis),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        g1, g2 = split_axis(grad_outputs[0], 2, self.axis)
        return g1 * (x.array > 0) - g2 * (x.array < 0),


def crelu(x, axis=1):
    """Concatenated rectified linear unit: ``relu(x)`` and ``relu(-x)`` joined along ``axis``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (int): The axis to join along; the output is twice as long there.

    Returns:
        Variable: Output of ``x``'s dtype, ``x.shape[axis] * 2`` long along ``axis``.

    Example:
        >>> F.crelu(np.array([[-1., 2.]], np.float32)).array
        array([[0., 2., 1., 0.]], dtype=float32)
    """
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"crelu: axis must be an int, not {type(axis).__name__}")
    if type_check.enabled():
        type_check.expect_float("crelu", "x", x)
    axis = type_check.normalize_axis("crelu", axis, x.ndim, shape=x.shape)
    return CReLU(axis).apply((x,))[0]

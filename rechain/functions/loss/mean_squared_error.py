"""mean_squared_error."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.utils import type_check


def _check_pair(fname, x0, x1, names=("x0", "x1")):
    if not type_check.enabled():
        return
    type_check.expect_float(fname, names[0], x0)
    type_check.expect_float(fname, names[1], x1)
    if x0.shape != x1.shape:
        raise type_check.InvalidType(
            f"{fname}: {names[0]} and {names[1]} must have the same shape, got "
            f"{names[0]} {tuple(x0.shape)} and {names[1]} {tuple(x1.shape)}")
    type_check.expect_same_dtype(fname, names, (x0, x1))


class MeanSquaredError(function_node.FunctionNode):
    """mean((x0 - x1) ** 2) over all elements."""

    def forward(self, inputs):
        x0, x1 = inputs
        xp = backend.get_array_module(x0)
        self.retain_inputs((0, 1))
        diff = (x0 - x1).ravel()
        return xp.asarray(diff.dot(diff) * (1.0 / max(diff.size, 1)), dtype=x0.dtype),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        diff = x0 - x1
        gx0 = broadcast_to(grad_outputs[0], diff.shape) * diff * (2.0 / max(diff.size, 1))
        return tuple([gx0 if i == 0 else -gx0 for i in indexes])


def mean_squared_error(x0, x1):
    """Mean of the squared differences of ``x0`` and ``x1`` over all elements.

    Args:
        x0, x1 (Variable or ndarray): Arrays of the same shape and float dtype.

    Returns:
        Variable: A 0-d variable of their dtype.

    Example:
        >>> F.mean_squared_error(np.array([1., 2.], np.float32),
        ...                      np.array([1., 4.], np.float32)).array
        array(2., dtype=float32)
    """
    _check_pair("mean_squared_error", x0, x1)
    return MeanSquaredError().apply((x0, x1))[0]

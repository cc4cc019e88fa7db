"""mean_absolute_error."""

import numpy

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.loss.mean_squared_error import _check_pair

_constant = variable.Variable._constant


class MeanAbsoluteError(function_node.FunctionNode):
    """mean(|x0 - x1|) over all elements."""

    def forward(self, inputs):
        x0, x1 = inputs
        xp = backend.get_array_module(x0)
        self.retain_inputs((0, 1))
        diff = abs(x0 - x1)
        # float16 sums in float32 (Chainer's): 2 ** 16 elements of 1 overflow float16
        acc = diff.dtype if diff.dtype.itemsize >= 4 else numpy.float32
        return xp.asarray(diff.sum(dtype=acc) * (1.0 / max(diff.size, 1)), dtype=x0.dtype),

    def backward(self, indexes, grad_outputs):
        x0, x1 = self.get_retained_inputs()
        xp = backend.get_array_module(x0.array)
        diff = x0.array - x1.array
        sign = _constant(xp.sign(diff) * diff.dtype.type(1.0 / max(diff.size, 1)))
        gx0 = broadcast_to(grad_outputs[0], diff.shape) * sign
        return tuple([gx0 if i == 0 else -gx0 for i in indexes])


def mean_absolute_error(x0, x1):
    """Mean of the absolute differences of ``x0`` and ``x1`` over all elements.

    The gradient where ``x0 == x1`` is 0.

    Args:
        x0, x1 (Variable or ndarray): Arrays of the same shape and float dtype.

    Returns:
        Variable: A 0-d variable of their dtype.

    Example:
        >>> F.mean_absolute_error(np.array([1., 2.], np.float32),
        ...                       np.array([1., 4.], np.float32)).array
        array(1., dtype=float32)
    """
    _check_pair("mean_absolute_error", x0, x1)
    return MeanAbsoluteError().apply((x0, x1))[0]

"""reshape."""

import numpy

from rechain import function_node
from rechain import variable
from rechain.utils import type_check


def _resolve_shape(shape, size, in_shape):
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s < 0]
    if len(unknown) > 1 or any(s < -1 for s in shape):
        raise type_check.InvalidType(f"reshape: shape {shape} may contain at most one -1 "
                                     f"and no other negative entry")
    known = int(numpy.prod([s for s in shape if s >= 0], dtype=numpy.int64))
    if unknown:
        if known == 0 or size % known:
            raise type_check.InvalidType(
                f"reshape: cannot reshape an input of shape {in_shape} (size {size}) "
                f"into shape {shape}")
        shape = shape[:unknown[0]] + (size // known,) + shape[unknown[0] + 1:]
    elif known != size:
        raise type_check.InvalidType(
            f"reshape: cannot reshape an input of shape {in_shape} (size {size}) "
                f"into shape {shape}")
    return shape


class Reshape(function_node.FunctionNode):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        return x.reshape(self.shape),

    def backward(self, indexes, grad_outputs):
        return reshape(grad_outputs[0], self._in_shape),


def reshape(x, shape):
    """Reshape ``x`` without copying; one entry of ``shape`` may be -1.

    Args:
        x (Variable or ndarray): Input.
        shape (tuple of int): New shape with the same number of elements.

    Returns:
        Variable: The reshaped variable.

    Example:
        >>> F.reshape(np.arange(6, dtype=np.float32), (2, 3)).shape
        (2, 3)
    """
    if isinstance(shape, (int, numpy.integer)):
        shape = (shape,)
    shape = _resolve_shape(shape, x.size, x.shape)
    if x.shape == shape:
        return variable.as_variable(x)
    return Reshape(shape).apply((x,))[0]

"""clipped_relu and relu6: ReLU capped at z (relu6 is z = 6)."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class ClippedReLU(function_node.FunctionNode):
    """y = min(max(x, 0), z). Retains only its output: 0 < y < z exactly
    where 0 < x < z, which is where the derivative is 1 (else 0)."""

    def __init__(self, z):
        self.cap = z

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_outputs((0,))
        return xp.asarray(xp.minimum(xp.maximum(x, 0), x.dtype.type(self.cap))),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        return ClippedReLUGrad(self.cap).apply((y, grad_outputs[0]))[0],


class ClippedReLUGrad(function_node.FunctionNode):
    """gx = gy * (0 < y < z) on inputs ``(y, gy)``; linear in gy (its own
    gradient there), constant in y."""

    def __init__(self, z):
        self.cap = z

    def forward(self, inputs):
        y, gy = inputs
        self.retain_inputs((0,))
        inside = (y > 0) & (y < y.dtype.type(self.cap))
        return backend.get_array_module(y).asarray(gy * inside),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_inputs()
        return tuple(None if i == 0 else
                     ClippedReLUGrad(self.cap).apply((y, grad_outputs[0]))[0]
                     for i in indexes)


def clipped_relu(x, z=20.0):
    """Clipped rectified linear unit, ``min(max(x, 0), z)`` elementwise.

    The gradient is 1 strictly inside (0, z) and 0 elsewhere (at 0 and z too).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        z (float): The cap, > 0.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.clipped_relu(np.array([-1., 2., 30.], np.float32), z=10.).array
        array([ 0.,  2., 10.], dtype=float32)
    """
    if isinstance(z, bool) or not isinstance(z, (int, float)):
        raise TypeError(f"clipped_relu: z must be a float, not {type(z).__name__}")
    if not z > 0:
        raise ValueError(f"clipped_relu: z must be positive, got {z!r}")
    if type_check.enabled():
        type_check.expect_float("clipped_relu", "x", x)
    return ClippedReLU(float(z)).apply((x,))[0]


def relu6(x):
    """ReLU capped at 6, ``min(max(x, 0), 6)`` elementwise (MobileNet's activation).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.

    Returns:
        Variable: Output of the same shape and dtype.

    Example:
        >>> F.relu6(np.array([-1., 2., 30.], np.float32)).array
        array([0., 2., 6.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("relu6", "x", x)
    return ClippedReLU(6.0).apply((x,))[0]

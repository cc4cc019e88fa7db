"""batch_l2_norm_squared: the squared L2 norm of each sample of a batch."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


class BatchL2NormSquared(function_node.FunctionNode):
    """y_n = sum of x[n]^2 over all axes but the first; gx = 2 x gy_n."""

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        xp = backend.get_array_module(x)
        x2 = x.reshape(len(x), -1)
        return xp.asarray((x2 * x2).sum(axis=1)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy = reshape(grad_outputs[0], (len(x),) + (1,) * (x.ndim - 1))
        return broadcast_to(gy, x.shape) * (2.0 * x),


def batch_l2_norm_squared(x):
    """Squared L2 norm of each sample: ``sum(x[n] ** 2)`` over all axes but the first.

    Args:
        x (Variable or ndarray): Batch of at least two dimensions, of a
            floating-point dtype.

    Returns:
        Variable: Shape ``(x.shape[0],)``.

    Example:
        >>> F.batch_l2_norm_squared(np.array([[3., 4.], [1., 0.]], np.float32)).array
        array([25.,  1.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("batch_l2_norm_squared", "x", x)
        type_check.expect_ndim("batch_l2_norm_squared", "x", x, 2, at_least=True)
    return BatchL2NormSquared().apply((x,))[0]

"""det and batch_det: determinants."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.array.swapaxes import swapaxes
from rechain.functions.math.inv import Inv
from rechain.functions.math.inv import _check
from rechain.functions.math.inv import _linalg_dtype


class BatchDet(function_node.FunctionNode):
    """y_b = det(A_b) for a batch (B, n, n); dA_b = gy_b y_b A_b^-T (Jacobi's
    formula, which needs invertible matrices, as in Chainer)."""

    def forward(self, inputs):
        a, = inputs
        xp = backend.get_array_module(a)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return xp.asarray(xp.linalg.det(_linalg_dtype(a))).astype(a.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        a, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        ainv_t = swapaxes(Inv("batch_det").apply((a,))[0], 1, 2)
        scale = broadcast_to(reshape(gy * y, (len(a), 1, 1)), a.shape)
        return scale * ainv_t,


def batch_det(a):
    """Determinants of a batch of square matrices.

    The gradient is Jacobi's formula ``det(A) A^-T`` and so needs invertible
    matrices.

    Args:
        a (Variable or ndarray): Shape ``(B, n, n)``, of a floating-point dtype.

    Returns:
        Variable: Shape ``(B,)``.

    Example:
        >>> F.batch_det(np.array([[[2., 0.], [0., 3.]], [[1., 2.], [3., 4.]]])).array
        array([ 6., -2.])
    """
    _check("batch_det", a, 3)
    return BatchDet().apply((a,))[0]


def det(a):
    """Determinant of a square matrix.

    Args:
        a (Variable or ndarray): A 2-d square matrix of a floating-point dtype.

    Returns:
        Variable: A 0-d determinant.

    Example:
        >>> F.det(np.array([[2., 1.], [0., 3.]])).array
        array(6.)
    """
    _check("det", a, 2)
    return reshape(BatchDet().apply((reshape(a, (1,) + tuple(a.shape)),))[0], ())

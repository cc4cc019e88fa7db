"""inv and batch_inv: matrix inverses."""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


class Inv(function_node.FunctionNode):
    """Y = A^-1 for a matrix or a batch of matrices (the last two axes).

    dA = -Y^T gY Y^T, from the retained output.
    """

    def __init__(self, fname):
        self.fname = fname

    def forward(self, inputs):
        a, = inputs
        xp = backend.get_array_module(a)
        self.retain_outputs((0,))
        try:
            y = xp.linalg.inv(_linalg_dtype(a))
        except numpy.linalg.LinAlgError:
            raise ValueError(f"{self.fname}: input has singular matrices "
                             f"(a shape {tuple(a.shape)})") from None
        if xp is not numpy and not bool(xp.isfinite(y).all()):
            raise ValueError(f"{self.fname}: input has singular matrices "
                             f"(a shape {tuple(a.shape)})")
        return y.astype(a.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        return -matmul(matmul(y, gy, transa=True), y, transb=True),


def _linalg_dtype(a):
    """``a`` as LAPACK takes it: float16 (which it lacks) is computed in float32."""
    return a.astype("float32") if a.dtype.itemsize < 4 else a


def _check(fname, a, ndim):
    if type_check.enabled():
        type_check.expect_float(fname, "a", a)
        type_check.expect_ndim(fname, "a", a, ndim)
        if a.shape[-1] != a.shape[-2]:
            raise type_check.InvalidType(
                f"{fname}: a must hold square matrices, got shape {tuple(a.shape)}")


def inv(a):
    """Inverse of a square matrix.

    Args:
        a (Variable or ndarray): A 2-d square matrix of a floating-point dtype.

    Returns:
        Variable: ``a^-1``. A singular ``a`` raises ValueError.

    Example:
        >>> F.inv(np.array([[2., 0.], [0., 4.]], np.float32)).array
        array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    _check("inv", a, 2)
    return Inv("inv").apply((a,))[0]


def batch_inv(a):
    """Inverses of a batch of square matrices.

    Args:
        a (Variable or ndarray): Shape ``(B, n, n)``, of a floating-point dtype.

    Returns:
        Variable: ``(B, n, n)``, the inverse of each. A singular one raises
        ValueError.

    Example:
        >>> F.batch_inv(np.array([[[2.]], [[4.]]], np.float32)).array[:, 0, 0]
        array([0.5 , 0.25], dtype=float32)
    """
    _check("batch_inv", a, 3)
    return Inv("batch_inv").apply((a,))[0]

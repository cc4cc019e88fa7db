"""cholesky: the lower-triangular factor of a symmetric positive-definite matrix."""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.array.transpose import transpose
from rechain.functions.math.inv import Inv
from rechain.functions.math.inv import _linalg_dtype
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


class Cholesky(function_node.FunctionNode):
    """L with A = L L^T. With P = Phi(L^T gL) (the lower triangle, diagonal
    halved) and S = L^-T P L^-1, dA = (S + S^T) / 2 (Murray, 2016); written
    with differentiable functions of the retained L."""

    def forward(self, inputs):
        a, = inputs
        xp = backend.get_array_module(a)
        self.retain_outputs((0,))
        try:
            y = xp.linalg.cholesky(_linalg_dtype(a))
        except numpy.linalg.LinAlgError:
            raise ValueError(f"cholesky: a is not positive definite "
                             f"(shape {tuple(a.shape)})") from None
        return y.astype(a.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        y, = self.get_retained_outputs()
        gy, = grad_outputs
        xp = backend.get_array_module(y.array)
        n = y.shape[0]
        mask = xp.tri(n, dtype=y.dtype) - 0.5 * xp.eye(n, dtype=y.dtype)
        phi = matmul(y, gy, transa=True) * mask
        y_inv = Inv("cholesky").apply((y,))[0]
        s = matmul(matmul(y_inv, phi, transa=True), y_inv)
        return (s + transpose(s)) * 0.5,


def cholesky(a):
    """Cholesky factor ``L`` (lower triangular) of ``a = L L^T``.

    Only the lower triangle of ``a`` is read (NumPy's convention); the
    gradient is symmetric.

    Args:
        a (Variable or ndarray): A 2-d symmetric positive-definite matrix of a
            floating-point dtype.

    Returns:
        Variable: ``L``. A matrix that is not positive definite raises ValueError.

    Example:
        >>> F.cholesky(np.array([[4., 2.], [2., 2.]])).array
        array([[2., 0.],
               [1., 1.]])
    """
    if type_check.enabled():
        type_check.expect_float("cholesky", "a", a)
        type_check.expect_ndim("cholesky", "a", a, 2)
        if a.shape[0] != a.shape[1]:
            raise type_check.InvalidType(
                f"cholesky: a must be a square matrix, got shape {tuple(a.shape)}")
    return Cholesky().apply((a,))[0]

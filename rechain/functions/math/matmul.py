"""Matrix products: matmul (NumPy's semantics plus transpose flags), batch_matmul."""

import warnings

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import sum_to
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


def _t(x):
    return x.swapaxes(-1, -2)


class MatMul(function_node.FunctionNode):
    """``op(a) @ op(b)`` for inputs with at least two dimensions.

    ``op`` transposes the last two axes when the flag is set; batch axes
    broadcast like :func:`numpy.matmul`. Operands of different dtypes give
    the promoted dtype (as NumPy), or ``dtype`` when given.
    """

    def __init__(self, transa=False, transb=False, dtype=None):
        self.transa = transa
        self.transb = transb
        self.dtype = dtype

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b = inputs
        self._shapes = (a.shape, b.shape)
        xp = backend.get_array_module(a, b)
        if self.transa:
            a = _t(a)
        if self.transb:
            b = _t(b)
        y = xp.matmul(a, b)
        if self.dtype is not None and y.dtype != self.dtype:
            y = y.astype(self.dtype)
        return y,

    def backward(self, indexes, grad_outputs):
        # With A = op(a), B = op(b), y = A B: dA = gy B^T and dB = A^T gy;
        # each is written as one matmul on the stored a, b so that the
        # gradient is itself a MatMul node (double backprop). Each gradient
        # has its input's dtype (operands of mixed dtypes).
        gy, = grad_outputs
        a, b = self.get_retained_inputs()
        ta, tb = self.transa, self.transb
        da, db = a.dtype, b.dtype
        ret = []
        for i in indexes:
            if i == 0:
                if ta:   # da = (gy B^T)^T = B gy^T
                    g = MatMul(tb, True, da).apply((b, gy))[0]
                else:    # da = gy B^T
                    g = MatMul(False, not tb, da).apply((gy, b))[0]
            else:
                if tb:   # db = (A^T gy)^T = gy^T A
                    g = MatMul(True, ta, db).apply((gy, a))[0]
                else:    # db = A^T gy
                    g = MatMul(not ta, False, db).apply((a, gy))[0]
            shape = self._shapes[i]
            ret.append(g if g.shape == shape else sum_to(g, shape))
        return tuple(ret)


def _mat_shape(shape, trans):
    """(rows, cols) of the matrix part of an operand after its transpose flag."""
    if len(shape) == 1:
        return None
    r, c = shape[-2], shape[-1]
    return (c, r) if trans else (r, c)


def _check(fname, a, b, transa, transb):
    for name, x in (("a", a), ("b", b)):
        if x.ndim == 0:
            raise type_check.InvalidType(f"{fname}: {name} must have at least one "
                                         f"dimension, got shape {tuple(x.shape)}")
        type_check.expect_float(fname, name, x)
    ma = _mat_shape(a.shape, transa)
    mb = _mat_shape(b.shape, transb)
    k_a = a.shape[0] if ma is None else ma[1]
    k_b = b.shape[0] if mb is None else mb[0]
    if k_a != k_b:
        flags = "".join([", transa=True" if transa else "", ", transb=True" if transb else ""])
        raise type_check.InvalidType(
            f"{fname}: a {tuple(a.shape)} and b {tuple(b.shape)}{flags} cannot be "
            f"multiplied: the contracted dimensions of a and b are {k_a} and {k_b}")
    if a.ndim > 2 or b.ndim > 2:
        type_check.broadcast_shapes(f"{fname} (batch dimensions)", ("a", "b"),
                                    (a.shape[:-2], b.shape[:-2]))


def matmul(a, b, transa=False, transb=False):
    """Matrix product of two arrays, with NumPy's ``matmul`` semantics.

    Two 2-d inputs give the matrix product; inputs with more dimensions are
    stacks of matrices in their last two axes, and the leading (batch) axes
    broadcast. A 1-d ``a`` is a row vector and a 1-d ``b`` a column vector;
    the added axis is removed from the result (two 1-d inputs give their dot
    product as a 0-d array). ``transa``/``transb`` transpose the last two axes
    of ``a``/``b`` first; they are ignored for 1-d operands.

    Args:
        a (Variable or ndarray): Left operand (at least 1-d, floating point).
        b (Variable or ndarray): Right operand (at least 1-d, floating point).
        transa (bool): Use the transpose of ``a``.
        transb (bool): Use the transpose of ``b``.

    Returns:
        Variable: The product, of NumPy's promoted dtype of ``a`` and ``b``
        (the gradients have their inputs' dtypes).

    Example:
        >>> F.matmul(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)).shape
        (2, 4)
    """
    if type_check.enabled():
        _check("matmul", a, b, transa, transb)
    a_vec = a.ndim == 1
    b_vec = b.ndim == 1
    if a_vec:
        a = reshape(a, (1, a.shape[0]))
        transa = False
    if b_vec:
        b = reshape(b, (b.shape[0], 1))
        transb = False
    y = MatMul(bool(transa), bool(transb)).apply((a, b))[0]
    if a_vec or b_vec:
        shape = y.shape
        if a_vec and b_vec:
            shape = shape[:-2]
        elif a_vec:
            shape = shape[:-2] + shape[-1:]
        else:
            shape = shape[:-1]
        y = reshape(y, shape)
    return y


def batch_matmul(a, b, transa=False, transb=False):
    """Batched matrix product (deprecated, warns as in Chainer; use :func:`matmul`).

    ``a`` and ``b`` are batches of matrices of shape ``(B, m, n)``; a 2-d
    operand ``(B, n)`` is a batch of column vectors ``(B, n, 1)``.

    Args:
        a (Variable or ndarray): Left operand, 2-d or 3-d.
        b (Variable or ndarray): Right operand, 2-d or 3-d.
        transa (bool): Transpose each matrix of ``a``.
        transb (bool): Transpose each matrix of ``b``.

    Returns:
        Variable: The ``(B, ., .)`` batch of products.

    Example:
        >>> F.batch_matmul(np.ones((5, 2, 3), np.float32), np.ones((5, 3), np.float32)).shape
        (5, 2, 1)
    """
    warnings.warn("batch_matmul is deprecated (as in Chainer since v3): use matmul",
                  DeprecationWarning, stacklevel=2)
    for name, x in (("a", a), ("b", b)):
        if x.ndim not in (2, 3):
            raise type_check.InvalidType(f"batch_matmul: {name} must be 2-d or 3-d, got "
                                         f"shape {tuple(x.shape)}")
    if a.ndim == 2:
        a = reshape(a, a.shape + (1,))
    if b.ndim == 2:
        b = reshape(b, b.shape + (1,))
    if type_check.enabled():
        _check("batch_matmul", a, b, transa, transb)
    return MatMul(bool(transa), bool(transb)).apply((a, b))[0]

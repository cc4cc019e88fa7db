"""sparse_matmul: products of a COO sparse matrix and a dense one.

:class:`CooMatMul` (Chainer's node, with Chainer's arguments) computes
``op(A) @ op(B)``, optionally transposed, for a sparse ``A`` given by its
entries (the node's input) and indices (the node's attributes). Its
gradients reduce every case to ``C = A @ D`` with ``A`` sparse and ``D``
dense, batched: a transposed sparse operand swaps its row and column
indices, a transposed dense one is transposed. Two nodes then do the work
and are each other's gradients: :class:`_SpMM` (``C[b, r_e] += a_e D[b, c_e]``)
and :class:`_SDDMM` (``g_e = G[b, r_e] . D[b, c_e]``, a dense product
evaluated at the sparse positions only), so every order of derivative is
available.
"""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.array.reshape import reshape
from rechain.functions.array.swapaxes import swapaxes
from rechain.utils import type_check
from rechain.utils.sparse import CooMatrix


def _valid(row, col):
    xp = backend.get_array_module(row)
    valid = (row >= 0) & (col >= 0)
    b = xp.broadcast_to(xp.arange(row.shape[0])[:, None], row.shape)
    return valid, b[valid], row[valid], col[valid]


def _scatter_add(xp, out, idx, vals):
    if xp is numpy:
        numpy.add.at(out, idx, vals)
    else:
        import cupyx
        cupyx.scatter_add(out, idx, vals)


def _spmm_array(data, row, col, n_rows, d, dtype):
    """C (B, n_rows, N) with C[b, row_e] += data[b, e] * d[b, col_e] (arrays)."""
    xp = backend.get_array_module(d)
    valid, b, r, c = _valid(row, col)
    out = xp.zeros((d.shape[0], n_rows, d.shape[2]), dtype)
    _scatter_add(xp, out, (b, r), (data[valid][:, None] * d[b, c]).astype(dtype, copy=False))
    return out


class _SpMM(function_node.FunctionNode):
    """C (B, n_rows, N) = A @ D for A = (data (B, nnz), row, col) and D (B, K, N)."""

    def __init__(self, row, col, n_rows, dtype=None):
        self.row, self.col, self.n_rows, self.dtype = row, col, n_rows, dtype

    def forward(self, inputs):
        data, d = inputs
        self.retain_inputs((0, 1))
        dtype = self.dtype or numpy.result_type(data.dtype, d.dtype)
        return _spmm_array(data, self.row, self.col, self.n_rows, d, dtype),

    def backward(self, indexes, grad_outputs):
        data, d = self.get_retained_inputs()
        gc, = grad_outputs
        return tuple(_SDDMM(self.row, self.col, data.dtype).apply((gc, d))[0] if i == 0 else
                     _SpMM(self.col, self.row, d.shape[1], d.dtype).apply((data, gc))[0]
                     for i in indexes)


class _SDDMM(function_node.FunctionNode):
    """g (B, nnz) with g[b, e] = G[b, row_e] . D[b, col_e] (0 at padding slots)."""

    def __init__(self, row, col, dtype=None):
        self.row, self.col, self.dtype = row, col, dtype

    def forward(self, inputs):
        g, d = inputs
        self.retain_inputs((0, 1))
        xp = backend.get_array_module(g)
        dtype = self.dtype or numpy.result_type(g.dtype, d.dtype)
        valid, b, r, c = _valid(self.row, self.col)
        out = xp.zeros(self.row.shape, dtype)
        out[valid] = (g[b, r] * d[b, c]).sum(axis=-1)
        return out,

    def backward(self, indexes, grad_outputs):
        g, d = self.get_retained_inputs()
        gg, = grad_outputs
        return tuple(_SpMM(self.row, self.col, g.shape[1], g.dtype).apply((gg, d))[0] if i == 0
                     else _SpMM(self.col, self.row, d.shape[1], d.dtype).apply((gg, g))[0]
                     for i in indexes)


class CooMatMul(function_node.FunctionNode):
    """C = op(A) @ op(B) (transposed when ``transc``) on inputs ``(sp, dn)``.

    ``sp`` holds A's entries, ``(nnz,)`` or ``(batch, nnz)``; ``sp_row``,
    ``sp_col`` their indices (negative: padding) and ``sp_shape`` A's
    ``(rows, cols)``. ``dn`` is B, 2-d, or 3-d when ``sp`` is batched. The
    result has NumPy's result type of the two, or ``dtype``. (``sp_order`` is
    accepted for Chainer's signature; it is a hint this implementation does
    not need.)
    """

    def __init__(self, sp_row, sp_col, sp_shape, sp_order="other", transa=False,
                 transb=False, transc=False, dtype=None):
        if sp_row.ndim != sp_col.ndim or sp_row.shape != sp_col.shape:
            raise ValueError(f"CooMatMul: sp_row and sp_col must have one shape, got "
                             f"{tuple(sp_row.shape)} and {tuple(sp_col.shape)}")
        if sp_row.ndim not in (1, 2):
            raise ValueError(f"CooMatMul: sp_row and sp_col must have 1 or 2 dimensions, "
                             f"got shape {tuple(sp_row.shape)}")
        if len(sp_shape) != 2:
            raise ValueError(f"CooMatMul: sp_shape must have two entries, got {sp_shape}")
        self.sp_row, self.sp_col = sp_row, sp_col
        self.sp_shape = tuple(sp_shape)
        self.sp_order = sp_order
        self.transa, self.transb, self.transc = transa, transb, transc
        self.dtype = dtype

    def _canonical(self):
        row, col = self.sp_row, self.sp_col
        rows, cols = self.sp_shape
        if self.transa:
            row, col, rows, cols = col, row, cols, rows
        if row.ndim == 1:
            row, col = row[None], col[None]
        return row, col, rows, cols

    def forward(self, inputs):
        sp, dn = inputs
        self.retain_inputs((0, 1))
        row, col, rows, _ = self._canonical()
        d = dn.swapaxes(-1, -2) if self.transb else dn
        batched = sp.ndim == 2
        if not batched:
            sp, d = sp[None], d[None]
        dtype = self.dtype or numpy.result_type(sp.dtype, dn.dtype)
        c = _spmm_array(sp, row, col, rows, d, dtype)
        if not batched:
            c = c[0]
        if self.transc:
            c = c.swapaxes(-1, -2)
        return backend.get_array_module(c).ascontiguousarray(c),

    def backward(self, indexes, grad_outputs):
        sp, dn = self.get_retained_inputs()
        g, = grad_outputs
        row, col, rows, cols = self._canonical()
        batched = sp.ndim == 2
        d = swapaxes(dn, -1, -2) if self.transb else dn
        g = swapaxes(g, -1, -2) if self.transc else g
        if not batched:
            sp, d, g = (reshape(v, (1,) + v.shape) for v in (sp, d, g))
        ret = []
        for i in indexes:
            if i == 0:
                gs = _SDDMM(row, col, sp.dtype).apply((g, d))[0]
                ret.append(gs if batched else reshape(gs, gs.shape[1:]))
            else:
                gd = _SpMM(col, row, cols, dn.dtype).apply((sp, g))[0]
                gd = gd if batched else reshape(gd, gd.shape[1:])
                ret.append(swapaxes(gd, -1, -2) if self.transb else gd)
        return tuple(ret)


def _check(sp, dense, dname, transa, transb, sp_left):
    if not type_check.enabled():
        return
    type_check.expect_float("sparse_matmul", dname, dense)
    nd = sp.data.ndim
    if dense.ndim != nd + 1:
        raise type_check.InvalidType(
            f"sparse_matmul: {dname} must have {nd + 1} dimensions to go with a "
            f"{'batch of sparse matrices' if nd == 2 else 'sparse matrix'}, got shape "
            f"{tuple(dense.shape)}")
    if nd == 2 and dense.shape[0] != sp.data.shape[0]:
        raise type_check.InvalidType(
            f"sparse_matmul: batch sizes differ: {sp.data.shape[0]} sparse matrices and "
            f"{dense.shape[0]} dense ones")
    rows, cols = sp.shape
    sp_t, dn_t = (transa, transb) if sp_left else (transb, transa)
    # the length the two operands share, as the product uses them
    k_sp = (rows if sp_t else cols) if sp_left else (cols if sp_t else rows)
    k_dn = (dense.shape[-1] if dn_t else dense.shape[-2]) if sp_left else \
        (dense.shape[-2] if dn_t else dense.shape[-1])
    if k_sp != k_dn:
        what = "columns" if sp_left else "rows"
        other = "rows" if sp_left else "columns"
        raise type_check.InvalidType(
            f"sparse_matmul: the sparse operand (as used) has {k_sp} {what} but the dense "
            f"one (as used) has {k_dn} {other} (dense shape {tuple(dense.shape)})")


def sparse_matmul(a, b, transa=False, transb=False):
    """Product of a sparse (:class:`~rechain.utils.CooMatrix`) and a dense matrix.

    Either ``a`` or ``b`` is the sparse one. A sparse matrix with 2-d
    ``data`` is a batch, and goes with a 3-d dense operand of the same batch
    size; otherwise the dense operand is 2-d. Gradients reach the dense
    operand and, when it requires them, the sparse one's ``data`` (only at
    its entries). Operands of different floating-point dtypes give NumPy's
    result type.

    Args:
        a (CooMatrix, Variable or ndarray): Left operand.
        b (CooMatrix, Variable or ndarray): Right operand.
        transa (bool): Use ``a`` transposed.
        transb (bool): Use ``b`` transposed.

    Returns:
        Variable: ``op(a) @ op(b)``, dense.

    Example:
        >>> a = rechain.utils.to_coo(np.array([[0., 2.], [1., 0.]]))
        >>> F.sparse_matmul(a, np.array([[1., 2.], [3., 4.]])).array
        array([[6., 8.],
               [1., 2.]])
    """
    a_sp, b_sp = isinstance(a, CooMatrix), isinstance(b, CooMatrix)
    if a_sp == b_sp:
        # InvalidType is a ValueError too, which is what Chainer raises here.
        raise type_check.InvalidType(f"sparse_matmul: exactly one operand must be a "
                                     f"CooMatrix, got {type(a).__name__} and "
                                     f"{type(b).__name__}")
    if a_sp:
        _check(a, b, "b", transa, transb, True)
        return CooMatMul(a.row, a.col, a.shape, a.order, transa=transa, transb=transb,
                         transc=False).apply((a.data, b))[0]
    # dense @ sparse = (op(b)^T @ op(a)^T)^T
    _check(b, a, "a", transa, transb, False)
    return CooMatMul(b.row, b.col, b.shape, b.order, transa=not transb, transb=not transa,
                     transc=True).apply((b.data, a))[0]

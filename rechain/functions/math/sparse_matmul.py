"""sparse_matmul: products of a COO sparse matrix and a dense one.

Every case is reduced to ``C = A @ D`` with ``A`` sparse and ``D`` dense,
both batched: a transposed sparse operand swaps its row and column indices,
a transposed dense one is transposed, and ``dense @ sparse`` is computed as
``(sparse^T @ dense^T)^T``. Two nodes then do all the work and are each
other's gradients: :class:`CooMatMul` (``C[b, r_e] += a_e D[b, c_e]``) and
:class:`CooSampledMatMul` (``g_e = gC[b, r_e] . D[b, c_e]``, the dense
product evaluated at the sparse positions only).
"""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
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
    if xp.__name__ == "numpy":
        xp.add.at(out, idx, vals)
    else:
        import cupyx
        cupyx.scatter_add(out, idx, vals)


class CooMatMul(function_node.FunctionNode):
    """C (B, n_rows, N) = A @ D for A given by (data (B, nnz), row, col) and D (B, K, N)."""

    def __init__(self, row, col, n_rows):
        self.row, self.col, self.n_rows = row, col, n_rows

    def forward(self, inputs):
        data, d = inputs
        self.retain_inputs((0, 1))
        xp = backend.get_array_module(d)
        valid, b, r, c = _valid(self.row, self.col)
        out = xp.zeros((d.shape[0], self.n_rows, d.shape[2]), d.dtype)
        _scatter_add(xp, out, (b, r), data[valid][:, None] * d[b, c])
        return out,

    def backward(self, indexes, grad_outputs):
        data, d = self.get_retained_inputs()
        gc, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(CooSampledMatMul(self.row, self.col).apply((gc, d))[0])
            else:
                ret.append(CooMatMul(self.col, self.row, d.shape[1]).apply((data, gc))[0])
        return tuple(ret)


class CooSampledMatMul(function_node.FunctionNode):
    """g (B, nnz) with g[b, e] = G[b, row_e] . D[b, col_e] (0 at padding slots)."""

    def __init__(self, row, col):
        self.row, self.col = row, col

    def forward(self, inputs):
        g, d = inputs
        self.retain_inputs((0, 1))
        xp = backend.get_array_module(g)
        valid, b, r, c = _valid(self.row, self.col)
        out = xp.zeros(self.row.shape, g.dtype)
        out[valid] = (g[b, r] * d[b, c]).sum(axis=-1)
        return out,

    def backward(self, indexes, grad_outputs):
        g, d = self.get_retained_inputs()
        gg, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0:
                ret.append(CooMatMul(self.row, self.col, g.shape[1]).apply((gg, d))[0])
            else:
                ret.append(CooMatMul(self.col, self.row, d.shape[1]).apply((gg, g))[0])
        return tuple(ret)


def _sparse_dense(sp, dense, transa, transb):
    """op(sp) @ op(dense) as a Variable, op being the transposes asked for."""
    data = sp.data
    row, col = sp.row, sp.col
    n_rows, n_cols = sp.shape
    if transa:
        row, col, n_rows, n_cols = col, row, n_cols, n_rows
    batched = data.ndim == 2
    if not batched:
        data = reshape(data, (1,) + data.shape)
        row, col = row[None], col[None]
    d = variable.as_variable(dense) if not isinstance(dense, variable.Variable) else dense
    if transb:
        d = swapaxes(d, -1, -2)
    if d.shape[-2] != n_cols:
        raise type_check.InvalidType(
            f"sparse_matmul: the sparse operand (as used) has {n_cols} columns but the dense "
            f"one (as used) has {d.shape[-2]} rows (dense shape {tuple(dense.shape)})")
    dense_batched = d.ndim == 3
    n_batch = data.shape[0]
    if dense_batched and batched and d.shape[0] != n_batch:
        raise type_check.InvalidType(
            f"sparse_matmul: batch sizes differ: {n_batch} sparse matrices and "
            f"{d.shape[0]} dense ones")
    if not dense_batched:
        d = broadcast_to(reshape(d, (1,) + d.shape), (n_batch,) + d.shape)
    elif not batched:
        n_batch = d.shape[0]
        data = broadcast_to(data, (n_batch, data.shape[1]))
        row = backend.get_array_module(row).broadcast_to(row, (n_batch, row.shape[1]))
        col = backend.get_array_module(col).broadcast_to(col, (n_batch, col.shape[1]))
    c = CooMatMul(row, col, n_rows).apply((data, d))[0]
    if not batched and not dense_batched:
        c = reshape(c, c.shape[1:])
    return c


def sparse_matmul(a, b, transa=False, transb=False):
    """Product of a sparse (:class:`~rechain.utils.CooMatrix`) and a dense matrix.

    Either ``a`` or ``b`` is the sparse one; each side may be a batch (a
    sparse matrix with 2-d ``data``, a dense one with 3 dimensions), an
    unbatched side being shared by the whole batch. Gradients reach the dense
    operand and, when it requires them, the sparse one's ``data`` (only at
    its entries).

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
        raise TypeError(f"sparse_matmul: exactly one operand must be a CooMatrix, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    sp, dense = (a, b) if a_sp else (b, a)
    dname = "b" if a_sp else "a"
    if type_check.enabled():
        type_check.expect_float("sparse_matmul", dname, dense)
        if dense.ndim not in (2, 3):
            raise type_check.InvalidType(f"sparse_matmul: {dname} must have 2 or 3 "
                                         f"dimensions, got shape {tuple(dense.shape)}")
        if dense.dtype != sp.data.dtype:
            raise type_check.InvalidType(
                f"sparse_matmul: the sparse and dense operands must have the same dtype, "
                f"got {sp.data.dtype} and {dense.dtype}")
    if a_sp:
        return _sparse_dense(sp, dense, transa, transb)
    # dense @ sparse = (sparse^T @ dense^T)^T
    c = _sparse_dense(sp, dense, not transb, not transa)
    return swapaxes(c, -1, -2)

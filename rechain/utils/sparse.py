"""COO sparse matrices: :class:`CooMatrix`, :func:`to_coo`, :func:`get_order`.

The operand of :func:`rechain.functions.sparse_matmul`. A matrix (or a batch
of matrices of one shape) is held as its entries ``data`` (a Variable, so
gradients can reach it) and their ``row`` and ``col`` indices. Slots whose
row or column index is negative are padding: they hold no entry, which lets
the matrices of a batch keep one number of slots.
"""

import numpy

from rechain import backend
from rechain import variable


class CooMatrix:
    """A sparse matrix, or a batch of them, in coordinate format.

    Args:
        data (ndarray or Variable): The entries, shape ``(nnz,)`` or, for a
            batch, ``(batch, nnz)``. A Variable is used as it is (gradients
            then flow into its graph, and ``requires_grad`` is not used).
        row (ndarray): Their row indices, of ``data``'s shape (negative: padding).
        col (ndarray): Their column indices, of ``data``'s shape (negative: padding).
        shape (tuple of int): ``(rows, cols)`` of each dense matrix.
        order ('C', 'F', 'other' or None): Whether the entries are sorted by
            row ('C') or by column ('F'); None: found by :func:`get_order`.
        requires_grad (bool): Whether backward computes ``data``'s gradient.

    Example:
        >>> m = CooMatrix(np.array([2., 3.]), np.array([0, 1]), np.array([1, 0]), (2, 2))
        >>> m.to_dense()
        array([[0., 2.],
               [3., 0.]])
    """

    def __init__(self, data, row, col, shape, order=None, requires_grad=False):
        given = data if isinstance(data, variable.Variable) else None
        data = variable.as_array(data)
        if not 1 <= data.ndim <= 2:
            raise ValueError(f"CooMatrix: data must have 1 or 2 dimensions, got shape "
                             f"{tuple(data.shape)}")
        if not data.shape == row.shape == col.shape:
            raise ValueError(f"CooMatrix: data, row and col must have one shape, got "
                             f"{tuple(data.shape)}, {tuple(row.shape)} and {tuple(col.shape)}")
        if row.dtype.kind not in "iu" or col.dtype.kind not in "iu":
            raise ValueError(f"CooMatrix: row and col must be integer arrays, got "
                             f"{row.dtype} and {col.dtype}")
        shape = tuple(shape)
        if len(shape) != 2 or not all(isinstance(d, (int, numpy.integer)) and d > 0
                                      for d in shape):
            raise ValueError(f"CooMatrix: shape must be two positive ints, got {shape}")
        if order not in ("C", "F", "other", None):
            raise ValueError(f"CooMatrix: order must be 'C', 'F', 'other' or None, got "
                             f"{order!r}")
        valid = (row >= 0) & (col >= 0)
        if bool((row[valid] >= shape[0]).any()) or bool((col[valid] >= shape[1]).any()):
            raise ValueError(f"CooMatrix: an index is out of range for shape {shape}")
        # A Variable is kept as it is (so the entries can be computed by a graph).
        self.data = given if given is not None else variable.Variable(
            data, requires_grad=requires_grad)
        self.row = row
        self.col = col
        self.shape = (int(shape[0]), int(shape[1]))
        self.order = get_order(row, col) if order is None else order

    def to_dense(self):
        """The dense matrix (or batch), entries at repeated indices summed."""
        data = self.data.array
        xp = backend.get_array_module(data)
        batched = data.ndim == 2
        out = xp.zeros(((data.shape[0],) if batched else ()) + self.shape, data.dtype)
        valid = (self.row >= 0) & (self.col >= 0)
        if batched:
            b = xp.broadcast_to(xp.arange(data.shape[0])[:, None], data.shape)
            idx = (b[valid], self.row[valid], self.col[valid])
        else:
            idx = (self.row[valid], self.col[valid])
        if xp is numpy:
            numpy.add.at(out, idx, data[valid])
        else:
            import cupyx
            cupyx.scatter_add(out, idx, data[valid])
        return out


def to_coo(x, ldnz=None, requires_grad=False):
    """The nonzero entries of a dense matrix (or a batch of them) as a :class:`CooMatrix`.

    Args:
        x (ndarray): A matrix, or a batch ``(batch, rows, cols)``.
        ldnz (int or None): Number of slots per matrix; at least the largest
            number of nonzeros (the rest is padding).
        requires_grad (bool): Whether backward computes the entries' gradient.

    Returns:
        CooMatrix: Entries in row-major order, padded with index -1.

    Example:
        >>> m = to_coo(np.array([[0., 2., 0.], [-1., 0., 0.]], np.float32))
        >>> m.data.array, m.row, m.col
        (array([ 2., -1.], dtype=float32), array([0, 1], dtype=int32), array([1, 0], dtype=int32))
    """
    x = variable.as_array(x)
    xp = backend.get_array_module(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"to_coo: x must have 2 or 3 dimensions, got shape {tuple(x.shape)}")
    mats = x[None] if x.ndim == 2 else x
    found = [xp.nonzero(m) for m in mats]
    n = max([len(r) for r, _ in found], default=0)
    n = max(n, ldnz or 0)
    data = xp.zeros((len(mats), n), x.dtype)
    row = xp.full((len(mats), n), -1, xp.int32)
    col = xp.full((len(mats), n), -1, xp.int32)
    for i, (r, c) in enumerate(found):
        k = len(r)
        data[i, :k] = mats[i][r, c]
        row[i, :k] = r
        col[i, :k] = c
    if x.ndim == 2:
        data, row, col = data[0], row[0], col[0]
    return CooMatrix(data, row, col, x.shape[-2:], requires_grad=requires_grad)


def _sorted_by(major, minor):
    """Whether the valid slots are sorted by ``major``, then ``minor``."""
    xp = backend.get_array_module(major)
    valid = (major >= 0) & (minor >= 0)
    a, b = major[valid], minor[valid]
    if a.size <= 1:
        return True
    da = xp.diff(a)
    if bool((da < 0).any()):
        return False
    return not bool(((da == 0) & (xp.diff(b) < 0)).any())


def get_order(row, col):
    """'C' if the entries are sorted by row (then column), 'F' if by column
    (then row), else 'other'; for a batch, every matrix must agree.

    Example:
        >>> get_order(np.array([0, 0, 1]), np.array([0, 2, 1]))
        'C'
    """
    if row.shape != col.shape:
        raise ValueError(f"get_order: row and col must have one shape, got "
                         f"{tuple(row.shape)} and {tuple(col.shape)}")
    if bool(((row < 0) != (col < 0)).any()):
        raise ValueError("get_order: a padding slot must have both its row and its column "
                         "index negative")
    rows = row[None] if row.ndim == 1 else row
    cols = col[None] if col.ndim == 1 else col
    if all(_sorted_by(r, c) for r, c in zip(rows, cols)):
        return "C"
    if all(_sorted_by(c, r) for r, c in zip(rows, cols)):
        return "F"
    return "other"

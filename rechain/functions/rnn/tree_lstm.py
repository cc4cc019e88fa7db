"""tree_lstm: the Tree-LSTM cell (Tai et al. 2015) with ``N`` children.

Unlike :func:`~rechain.functions.lstm`, the gates of ``x`` are contiguous
blocks: ``x`` of shape ``(B, (3 + N) units, ...)`` viewed as
``(B, 3 + N, units, ...)`` holds ``a, i, o, f_1 .. f_N`` (cell input, input
gate, output gate, one forget gate per child)::

    c = tanh(a) sigmoid(i) + sum_n sigmoid(f_n) c_n
    h = sigmoid(o) tanh(c)

Built from differentiable rechain functions (every order of gradient).
"""

from rechain import functions as F
from rechain.utils import type_check


def _check(cs, x):
    type_check.expect_float("tree_lstm", "x", x)
    for k, c in enumerate(cs):
        type_check.expect_float("tree_lstm", f"c{k + 1}", c)
        if c.dtype != x.dtype:
            raise type_check.InvalidType(f"tree_lstm: c{k + 1} and x must have the same "
                                         f"dtype, got {c.dtype} and {x.dtype}")
    n = len(cs)
    if x.ndim < 2 or x.shape[1] % (3 + n):
        raise type_check.InvalidType(
            f"tree_lstm: with {n} children x must have shape (batch, {3 + n} * units, ...), "
            f"got {tuple(x.shape)}")
    want = (x.shape[0], x.shape[1] // (3 + n)) + tuple(x.shape[2:])
    for k, c in enumerate(cs):
        if tuple(c.shape) != want:
            raise type_check.InvalidType(
                f"tree_lstm: c{k + 1} must have shape {want} to match x {tuple(x.shape)}, "
                f"got {tuple(c.shape)}")


def tree_lstm(*inputs):
    """One Tree-LSTM step: ``tree_lstm(c_1, ..., c_N, x)``.

    Args:
        *inputs: The children's cells ``c_1 .. c_N`` (``(B, units, ...)``, at
            least one), then ``x`` of shape ``(B, (3 + N) units, ...)``.

    Returns:
        tuple: ``(c, h)``, each ``(B, units, ...)``.

    Example:
        >>> c = np.zeros((2, 3), np.float32)
        >>> F.tree_lstm(c, c, np.zeros((2, 15), np.float32))[1].shape
        (2, 3)
    """
    if len(inputs) < 2:
        raise TypeError(f"tree_lstm: needs at least one cell and x, got {len(inputs)} "
                        f"argument(s)")
    cs, x = inputs[:-1], inputs[-1]
    if type_check.enabled():
        _check(cs, x)
    n = len(cs)
    units = x.shape[1] // (3 + n)
    r = F.reshape(x, (x.shape[0], 3 + n, units) + tuple(x.shape[2:]))
    gates = [F.get_item(r, (slice(None), k)) for k in range(3 + n)]
    a, i, o = gates[:3]
    c = F.tanh(a) * F.sigmoid(i)
    for f, c_k in zip(gates[3:], cs):
        c = c + F.sigmoid(f) * c_k
    h = F.sigmoid(o) * F.tanh(c)
    return c, h

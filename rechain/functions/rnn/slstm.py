"""slstm: the S-LSTM cell (Zhu et al. 2015), an LSTM step with two children.

Each child ``k`` brings its cell ``c_k`` and gate pre-activations ``x_k`` in
:func:`~rechain.functions.lstm`'s interleaved layout (viewed as
``(B, units, 4, ...)``: cell input ``a``, input gate ``i``, forget gate ``f``,
output gate ``o``). With ``a_k = tanh``, ``i_k, f_k = sigmoid`` of the child's
gates::

    c = a_1 i_1 + a_2 i_2 + f_1 c_1 + f_2 c_2
    h = sigmoid(o_1 + o_2) tanh(c)

Built from differentiable rechain functions, so every order of gradient is
available; it keeps what those keep (the gate activations), not a fused cell.
"""

from rechain import functions as F
from rechain.utils import type_check


def _interleaved_gates(x):
    r = F.reshape(x, (x.shape[0], x.shape[1] // 4, 4) + tuple(x.shape[2:]))
    return [F.get_item(r, (slice(None), slice(None), k)) for k in range(4)]


def _check(c_prev1, c_prev2, x1, x2):
    names = ("c_prev1", "c_prev2", "x1", "x2")
    for n, v in zip(names, (c_prev1, c_prev2, x1, x2)):
        type_check.expect_float("slstm", n, v)
    type_check.expect_same_dtype("slstm", names, (c_prev1, c_prev2, x1, x2))
    type_check.expect_same_shape("slstm", ("x1", "x2"), (x1, x2))
    type_check.expect_same_shape("slstm", ("c_prev1", "c_prev2"), (c_prev1, c_prev2))
    if x1.ndim < 2 or x1.shape[1] % 4:
        raise type_check.InvalidType(
            f"slstm: x1 must have shape (batch, 4 * units, ...), got {tuple(x1.shape)}")
    want = (x1.shape[0], x1.shape[1] // 4) + tuple(x1.shape[2:])
    if tuple(c_prev1.shape) != want:
        raise type_check.InvalidType(
            f"slstm: c_prev1 must have shape {want} to match x1 {tuple(x1.shape)}, got "
            f"{tuple(c_prev1.shape)}")


def slstm(c_prev1, c_prev2, x1, x2):
    """One S-LSTM step merging two children.

    Args:
        c_prev1, c_prev2 (Variable or ndarray): The children's cells
            ``(B, units, ...)``.
        x1, x2 (Variable or ndarray): Their gate pre-activations
            ``(B, 4 * units, ...)``, interleaved per unit as ``(a, i, f, o)``.

    Returns:
        tuple: ``(c, h)``, each ``(B, units, ...)``.

    Example:
        >>> c = np.zeros((2, 3), np.float32); x = np.zeros((2, 12), np.float32)
        >>> F.slstm(c, c, x, x)[1].shape
        (2, 3)
    """
    if type_check.enabled():
        _check(c_prev1, c_prev2, x1, x2)
    a1, i1, f1, o1 = _interleaved_gates(x1)
    a2, i2, f2, o2 = _interleaved_gates(x2)
    c = (F.tanh(a1) * F.sigmoid(i1) + F.tanh(a2) * F.sigmoid(i2)
         + F.sigmoid(f1) * c_prev1 + F.sigmoid(f2) * c_prev2)
    h = F.sigmoid(o1 + o2) * F.tanh(c)
    return c, h

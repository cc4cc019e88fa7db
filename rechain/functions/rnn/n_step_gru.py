"""n_step_gru, n_step_bigru: stacked GRUs over variable-length sequences.

``W_0 .. W_2`` act on the input, ``W_3 .. W_5`` on the hidden state, for the
reset gate (0, 3), the update gate (1, 4) and the candidate (2, 5); the reset
gate scales the candidate's hidden-state term *after* its bias, as cuDNN and
Chainer do. The loop is shared with :mod:`_n_step` (Note [n-step
recurrent layout]).
"""

from rechain.functions.activation.sigmoid import sigmoid, tanh
from rechain.functions.array.concat import concat
from rechain.functions.connection.linear import linear
from rechain.functions.rnn import _n_step


class _GRUCell(_n_step._Cell):
    n_weights = 6

    def prepare(self, w, b):
        return (concat(w[0:3], axis=0), concat(b[0:3], axis=0),
                concat(w[3:6], axis=0), concat(b[3:6], axis=0))

    def step(self, gx, h, c, Wh, bh):
        n = h.shape[1]
        gh = linear(h, Wh, bh)
        gx_rz, gx_n = _n_step._split_cols(gx, 2 * n)
        gh_rz, gh_n = _n_step._split_cols(gh, 2 * n)
        r, z = _n_step._split_cols(sigmoid(gx_rz + gh_rz), n)
        candidate = tanh(gx_n + r * gh_n)
        return candidate + z * (h - candidate), None


def n_step_gru(n_layers, dropout_ratio, hx, ws, bs, xs):
    """Stacked uni-directional GRU over variable-length sequences.

    At every layer and step::

        r = sigmoid(W_0 x + b_0 + W_3 h + b_3)
        z = sigmoid(W_1 x + b_1 + W_4 h + b_4)
        n = tanh(W_2 x + b_2 + r * (W_5 h + b_5))
        h' = (1 - z) * n + z * h

    Layer ``l > 0`` reads the outputs of layer ``l - 1`` through dropout.
    See Note [n-step recurrent layout] in
    :mod:`rechain.functions.rnn._n_step` for the shapes.

    Args:
        n_layers (int): Number of layers ``S``.
        dropout_ratio (float): Dropout ratio on the inputs of layers above
            the first (only while ``config.train``).
        hx (Variable or ndarray): Initial hidden states ``(S, B, N)``.
        ws (list of list of Variable): ``ws[l]`` holds ``W_0 .. W_5``; ``W_0 ..
            W_2`` are ``(N, I)`` in layer 0 and ``(N, N)`` above, the others
            ``(N, N)``.
        bs (list of list of Variable): ``bs[l]`` holds ``b_0 .. b_5``, each ``(N,)``.
        xs (list of Variable or ndarray): Time steps ``xs[t]`` ``(B_t, I)``
            with non-increasing ``B_t`` (see :func:`transpose_sequence`).

    Returns:
        tuple: ``(hy, ys)``: final hidden states ``(S, B, N)`` and the last
        layer's outputs, a tuple with ``ys[t]`` ``(B_t, N)``.

    Example:
        >>> ws = [[np.ones((2, 3 if j < 3 else 2), np.float32) for j in range(6)]]
        >>> bs = [[np.zeros(2, np.float32)] * 6]
        >>> xs = [np.ones((2, 3), np.float32), np.ones((2, 3), np.float32)]
        >>> hy, ys = F.n_step_gru(1, 0.0, np.zeros((1, 2, 2), np.float32), ws, bs, xs)
        >>> hy.shape
        (1, 2, 2)
    """
    hy, _, ys = _n_step.n_step_base("n_step_gru", _GRUCell(), n_layers, dropout_ratio,
                                    hx, None, ws, bs, xs, 1)
    return hy, ys


def n_step_bigru(n_layers, dropout_ratio, hx, ws, bs, xs):
    """Stacked bi-directional GRU over variable-length sequences.

    Like :func:`n_step_gru`, with a second GRU per layer running from the
    last step to the first; the two outputs of a step are concatenated
    (forward first), so layers above the first take ``2N`` inputs.

    Args:
        n_layers (int): Number of layers ``S``.
        dropout_ratio (float): Dropout ratio on the inputs of layers above the first.
        hx (Variable or ndarray): Initial hidden states ``(2S, B, N)``; entry
            ``2l`` is layer ``l``'s forward direction, ``2l + 1`` its backward one.
        ws (list of list of Variable): ``ws[2l + d]`` holds ``W_0 .. W_5``;
            ``W_0 .. W_2`` are ``(N, I)`` in layer 0 and ``(N, 2N)`` above.
        bs (list of list of Variable): ``bs[2l + d]`` holds ``b_0 .. b_5``.
        xs (list of Variable or ndarray): Time steps ``(B_t, I)``, ``B_t`` non-increasing.

    Returns:
        tuple: ``(hy, ys)`` with ``hy`` ``(2S, B, N)`` and ``ys[t]`` ``(B_t, 2N)``.

    Example:
        >>> ws = [[np.ones((2, 3 if j < 3 else 2), np.float32) for j in range(6)]] * 2
        >>> bs = [[np.zeros(2, np.float32)] * 6] * 2
        >>> xs = [np.ones((1, 3), np.float32)]
        >>> hy, ys = F.n_step_bigru(1, 0.0, np.zeros((2, 1, 2), np.float32), ws, bs, xs)
        >>> ys[0].shape
        (1, 4)
    """
    hy, _, ys = _n_step.n_step_base("n_step_bigru", _GRUCell(), n_layers, dropout_ratio,
                                    hx, None, ws, bs, xs, 2)
    return hy, ys

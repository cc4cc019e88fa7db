"""n_step_rnn, n_step_birnn: stacked Elman RNNs (tanh or ReLU) over a batch of
variable-length sequences; the loop is in :mod:`rechain.functions.rnn._n_step`
(Note [n-step recurrent layout]).
"""

from rechain.functions.activation.relu import relu
from rechain.functions.activation.sigmoid import tanh
from rechain.functions.connection.linear import linear
from rechain.functions.rnn import _n_step


class _RNNCell(_n_step._Cell):
    n_weights = 2

    def __init__(self, activation):
        self.activation = activation

    def prepare(self, w, b):
        return w[0], b[0], w[1], b[1]

    def step(self, gx, h, c, Wh, bh):
        z = gx + linear(h, Wh, bh)
        return (tanh(z) if self.activation == "tanh" else relu(z)), None


def _check_activation(fname, activation):
    if activation not in ("tanh", "relu"):
        raise ValueError(f"{fname}: activation must be 'tanh' or 'relu', got {activation!r}")


def n_step_rnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation="tanh"):
    """Stacked uni-directional Elman RNN over variable-length sequences.

    At every layer ``h_t = f(W_0 x_t + b_0 + W_1 h_{t-1} + b_1)`` with
    ``f`` tanh or ReLU; layer ``l > 0`` reads the outputs of layer ``l - 1``
    through dropout. See Note [n-step recurrent layout] in
    :mod:`rechain.functions.rnn._n_step` for the shapes.

    Args:
        n_layers (int): Number of layers ``S``.
        dropout_ratio (float): Dropout ratio on the inputs of layers above
            the first (only while ``config.train``).
        hx (Variable or ndarray): Initial hidden states ``(S, B, N)``.
        ws (list of list of Variable): ``ws[l] = [W_0, W_1]``, ``W_0`` of shape
            ``(N, I)`` for layer 0 and ``(N, N)`` above, ``W_1`` ``(N, N)``.
        bs (list of list of Variable): ``bs[l] = [b_0, b_1]``, each ``(N,)``.
        xs (list of Variable or ndarray): Time steps ``xs[t]`` ``(B_t, I)``
            with non-increasing ``B_t`` (see :func:`transpose_sequence`).
        activation (str): ``'tanh'`` or ``'relu'``.

    Returns:
        tuple: ``(hy, ys)``: final hidden states ``(S, B, N)`` and the last
        layer's outputs, a tuple with ``ys[t]`` of shape ``(B_t, N)``.

    Example:
        >>> ws = [[np.ones((2, 3), np.float32), np.ones((2, 2), np.float32)]]
        >>> bs = [[np.zeros(2, np.float32), np.zeros(2, np.float32)]]
        >>> xs = [np.ones((2, 3), np.float32), np.ones((1, 3), np.float32)]
        >>> hy, ys = F.n_step_rnn(1, 0.0, np.zeros((1, 2, 2), np.float32), ws, bs, xs)
        >>> hy.shape, [y.shape for y in ys]
        ((1, 2, 2), [(2, 2), (1, 2)])
    """
    _check_activation("n_step_rnn", activation)
    hy, _, ys = _n_step.n_step_base("n_step_rnn", _RNNCell(activation), n_layers, dropout_ratio,
                            hx, None, ws, bs, xs, 1)
    return hy, ys


def n_step_birnn(n_layers, dropout_ratio, hx, ws, bs, xs, activation="tanh"):
    """Stacked bi-directional Elman RNN over variable-length sequences.

    Like :func:`n_step_rnn`, with a second RNN per layer running from the
    last step to the first; the two outputs of a step are concatenated
    (forward first), so layers above the first take ``2N`` inputs.

    Args:
        n_layers (int): Number of layers ``S``.
        dropout_ratio (float): Dropout ratio on the inputs of layers above the first.
        hx (Variable or ndarray): Initial hidden states ``(2S, B, N)``; entry
            ``2l`` is layer ``l``'s forward direction, ``2l + 1`` its backward one.
        ws (list of list of Variable): ``ws[2l + d] = [W_0, W_1]``; ``W_0`` is
            ``(N, I)`` in layer 0 and ``(N, 2N)`` above.
        bs (list of list of Variable): ``bs[2l + d] = [b_0, b_1]``.
        xs (list of Variable or ndarray): Time steps ``(B_t, I)``, ``B_t`` non-increasing.
        activation (str): ``'tanh'`` or ``'relu'``.

    Returns:
        tuple: ``(hy, ys)`` with ``hy`` ``(2S, B, N)`` and ``ys[t]`` ``(B_t, 2N)``.

    Example:
        >>> w = lambda i: [np.ones((2, i), np.float32), np.ones((2, 2), np.float32)]
        >>> b = [np.zeros(2, np.float32)] * 2
        >>> xs = [np.ones((2, 3), np.float32)]
        >>> hy, ys = F.n_step_birnn(1, 0.0, np.zeros((2, 2, 2), np.float32),
        ...                         [w(3), w(3)], [b, b], xs)
        >>> ys[0].shape
        (2, 4)
    """
    _check_activation("n_step_birnn", activation)
    hy, _, ys = _n_step.n_step_base("n_step_birnn", _RNNCell(activation), n_layers, dropout_ratio,
                            hx, None, ws, bs, xs, 2)
    return hy, ys

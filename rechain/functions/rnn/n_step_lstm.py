"""n_step_lstm, n_step_bilstm: stacked LSTMs over variable-length sequences.

Weight roles (the cuDNN order, which Chainer's own computation follows):
``W_0 .. W_3`` act on the input and ``W_4 .. W_7`` on the hidden state, for
the input gate (0, 4), the forget gate (1, 5), the cell input (2, 6, tanh)
and the output gate (3, 7); biases likewise. Each step is one
:func:`rechain.functions.lstm`, whose pre-activations are interleaved per
unit as (cell input, input, forget, output): the eight matrices are stacked
in that order once per call. The loop is shared with :mod:`_n_step`
(Note [n-step recurrent layout]).
"""

from rechain.functions.array.reshape import reshape
from rechain.functions.array.stack import stack
from rechain.functions.connection.linear import linear
from rechain.functions.rnn import _n_step
from rechain.functions.rnn.lstm import lstm

_GATE_ORDER = (2, 0, 1, 3)  # F.lstm's (a, i, f, o) from (i, f, a, o)


def _interleave(parts):
    """``4`` arrays ``(N, ...)`` -> ``(4N, ...)`` with row ``4u + k`` = ``parts[k][u]``."""
    s = stack(parts, axis=1)
    return reshape(s, (s.shape[0] * 4,) + s.shape[2:])


class _LSTMCell(_n_step._Cell):
    n_weights = 8
    has_cell = True

    def prepare(self, w, b):
        return (_interleave([w[k] for k in _GATE_ORDER]),
                _interleave([b[k] for k in _GATE_ORDER]),
                _interleave([w[4 + k] for k in _GATE_ORDER]),
                _interleave([b[4 + k] for k in _GATE_ORDER]))

    def step(self, gx, h, c, Wh, bh):
        c, h = lstm(c, gx + linear(h, Wh, bh))
        return h, c


def n_step_lstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs):
    """Stacked uni-directional LSTM over variable-length sequences.

    At every layer and step::

        i = sigmoid(W_0 x + b_0 + W_4 h + b_4)     f = sigmoid(W_1 x + b_1 + W_5 h + b_5)
        a = tanh(W_2 x + b_2 + W_6 h + b_6)        o = sigmoid(W_3 x + b_3 + W_7 h + b_7)
        c' = f * c + i * a                         h' = o * tanh(c')

    Layer ``l > 0`` reads the outputs of layer ``l - 1`` through dropout.
    Sequences that have ended keep their state. See Note [n-step recurrent
    layout] in :mod:`rechain.functions.rnn._n_step` for the shapes.

    Args:
        n_layers (int): Number of layers ``S``.
        dropout_ratio (float): Dropout ratio on the inputs of layers above
            the first (only while ``config.train``).
        hx (Variable or ndarray): Initial hidden states ``(S, B, N)``.
        cx (Variable or ndarray): Initial cell states, the shape of ``hx``.
        ws (list of list of Variable): ``ws[l]`` holds ``W_0 .. W_7``; ``W_0 ..
            W_3`` are ``(N, I)`` in layer 0 and ``(N, N)`` above, the others
            ``(N, N)``.
        bs (list of list of Variable): ``bs[l]`` holds ``b_0 .. b_7``, each ``(N,)``.
        xs (list of Variable or ndarray): Time steps ``xs[t]`` ``(B_t, I)``
            with non-increasing ``B_t`` (see :func:`transpose_sequence`).

    Returns:
        tuple: ``(hy, cy, ys)``: final hidden and cell states ``(S, B, N)``
        and the last layer's outputs, a tuple with ``ys[t]`` ``(B_t, N)``.

    Example:
        >>> ws = [[np.ones((2, 3 if j < 4 else 2), np.float32) for j in range(8)]]
        >>> bs = [[np.zeros(2, np.float32)] * 8]
        >>> h = np.zeros((1, 3, 2), np.float32)
        >>> xs = [np.ones((3, 3), np.float32), np.ones((1, 3), np.float32)]
        >>> hy, cy, ys = F.n_step_lstm(1, 0.0, h, h, ws, bs, xs)
        >>> hy.shape, [y.shape for y in ys]
        ((1, 3, 2), [(3, 2), (1, 2)])
    """
    return _n_step.n_step_base("n_step_lstm", _LSTMCell(), n_layers, dropout_ratio,
                               hx, cx, ws, bs, xs, 1)


def n_step_bilstm(n_layers, dropout_ratio, hx, cx, ws, bs, xs):
    """Stacked bi-directional LSTM over variable-length sequences.

    Like :func:`n_step_lstm`, with a second LSTM per layer running from the
    last step to the first; the two outputs of a step are concatenated
    (forward first), so layers above the first take ``2N`` inputs.

    Args:
        n_layers (int): Number of layers ``S``.
        dropout_ratio (float): Dropout ratio on the inputs of layers above the first.
        hx (Variable or ndarray): Initial hidden states ``(2S, B, N)``; entry
            ``2l`` is layer ``l``'s forward direction, ``2l + 1`` its backward one.
        cx (Variable or ndarray): Initial cell states, the shape of ``hx``.
        ws (list of list of Variable): ``ws[2l + d]`` holds ``W_0 .. W_7``;
            ``W_0 .. W_3`` are ``(N, I)`` in layer 0 and ``(N, 2N)`` above.
        bs (list of list of Variable): ``bs[2l + d]`` holds ``b_0 .. b_7``.
        xs (list of Variable or ndarray): Time steps ``(B_t, I)``, ``B_t`` non-increasing.

    Returns:
        tuple: ``(hy, cy, ys)`` with ``hy``, ``cy`` ``(2S, B, N)`` and
        ``ys[t]`` ``(B_t, 2N)``.

    Example:
        >>> ws = [[np.ones((2, 3 if j < 4 else 2), np.float32) for j in range(8)]] * 2
        >>> bs = [[np.zeros(2, np.float32)] * 8] * 2
        >>> h = np.zeros((2, 1, 2), np.float32)
        >>> hy, cy, ys = F.n_step_bilstm(1, 0.0, h, h, ws, bs, [np.ones((1, 3), np.float32)])
        >>> ys[0].shape
        (1, 4)
    """
    return _n_step.n_step_base("n_step_bilstm", _LSTMCell(), n_layers, dropout_ratio,
                               hx, cx, ws, bs, xs, 2)

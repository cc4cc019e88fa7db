"""Stacked LSTM layers over a list of variable-length sequences (``F.n_step_lstm``).

The layout, sorting and naming are those of :mod:`rechain.links.rnn.n_step_rnn`;
each child holds ``w0 .. w7`` and ``b0 .. b7``.
"""

from rechain.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm
from rechain.links.rnn import n_step_rnn as _n_step_rnn


class NStepLSTMBase(_n_step_rnn.NStepRNNBase):
    """Base of :class:`NStepLSTM` and :class:`NStepBiLSTM` (hidden and cell states)."""

    n_weights = 8

    @property
    def n_cells(self):
        return 2

    def forward(self, hx, cx, xs):
        """Run the sequences ``xs`` from the initial states ``hx`` and ``cx``.

        Args:
            hx (Variable, ndarray or None): ``(n_layers * directions, len(xs),
                out_size)``; None means zeros.
            cx (Variable, ndarray or None): Cell states, the shape of ``hx``.
            xs (list of Variable or ndarray): Sequences ``(L_i, in_size)``,
                any order, each with at least one step.

        Returns:
            tuple: ``(hy, cy, ys)``: final hidden and cell states and a list
            with ``ys[i]`` of shape ``(L_i, directions * out_size)``.
        """
        (hy, cy), ys = self._call([hx, cx], xs)
        return hy, cy, ys


class NStepLSTM(NStepLSTMBase):
    """Stacked uni-directional LSTM for a list of sequences.

    Args:
        n_layers (int): Number of layers.
        in_size (int): Size of the input vectors.
        out_size (int): Size of the hidden and cell states.
        dropout (float): Dropout ratio between layers.
        initialW, initial_bias: Initializers (see
            :class:`~rechain.links.rnn.n_step_rnn.NStepRNNBase`).

    Example:
        >>> lstm = L.NStepLSTM(2, 3, 4, 0.1)
        >>> xs = [np.ones((5, 3), np.float32), np.ones((2, 3), np.float32)]
        >>> hy, cy, ys = lstm(None, None, xs)
        >>> hy.shape, cy.shape, [y.shape for y in ys]
        ((2, 2, 4), (2, 2, 4), [(5, 4), (2, 4)])
    """

    use_bi_direction = False

    def rnn(self, *args):
        return n_step_lstm(*args)


class NStepBiLSTM(NStepLSTMBase):
    """Stacked bi-directional LSTM for a list of sequences.

    Args: as :class:`NStepLSTM`; outputs have ``2 * out_size`` features and
    the states ``2 * n_layers`` entries.

    Example:
        >>> hy, cy, ys = L.NStepBiLSTM(1, 3, 4, 0.0)(None, None, [np.ones((2, 3), np.float32)])
        >>> hy.shape, ys[0].shape
        ((2, 1, 4), (2, 8))
    """

    use_bi_direction = True

    def rnn(self, *args):
        return n_step_bilstm(*args)

"""Stacked GRU layers over a list of variable-length sequences (``F.n_step_gru``).

The layout, sorting and naming are those of :mod:`rechain.links.rnn.n_step_rnn`;
each child holds ``w0 .. w5`` and ``b0 .. b5``.
"""

from rechain.functions.rnn.n_step_gru import n_step_bigru, n_step_gru
from rechain.links.rnn import n_step_rnn as _n_step_rnn


class NStepGRUBase(_n_step_rnn.NStepRNNBase):
    """Base of :class:`NStepGRU` and :class:`NStepBiGRU`."""

    n_weights = 6


class NStepGRU(NStepGRUBase):
    """Stacked uni-directional GRU for a list of sequences.

    Args:
        n_layers (int): Number of layers.
        in_size (int): Size of the input vectors.
        out_size (int): Size of the hidden states.
        dropout (float): Dropout ratio between layers.
        initialW, initial_bias: Initializers (see
            :class:`~rechain.links.rnn.n_step_rnn.NStepRNNBase`).

    Example:
        >>> gru = L.NStepGRU(2, 3, 4, 0.0)
        >>> hy, ys = gru(None, [np.ones((5, 3), np.float32), np.ones((2, 3), np.float32)])
        >>> hy.shape, [y.shape for y in ys]
        ((2, 2, 4), [(5, 4), (2, 4)])
    """

    use_bi_direction = False

    def rnn(self, *args):
        return n_step_gru(*args)


class NStepBiGRU(NStepGRUBase):
    """Stacked bi-directional GRU for a list of sequences.

    Args: as :class:`NStepGRU`; outputs have ``2 * out_size`` features.

    Example:
        >>> hy, ys = L.NStepBiGRU(1, 3, 4, 0.0)(None, [np.ones((2, 3), np.float32)])
        >>> hy.shape, ys[0].shape
        ((2, 1, 4), (2, 8))
    """

    use_bi_direction = True

    def rnn(self, *args):
        return n_step_bigru(*args)

"""Recurrent-network functions."""

from rechain.functions.rnn import lstm as _lstm  # noqa: F401  (the module)
from rechain.functions.rnn.n_step_gru import n_step_bigru, n_step_gru
from rechain.functions.rnn.n_step_lstm import n_step_bilstm, n_step_lstm
from rechain.functions.rnn.n_step_rnn import n_step_birnn, n_step_rnn
from rechain.functions.rnn.slstm import slstm
from rechain.functions.rnn.tree_lstm import tree_lstm

__all__ = ["n_step_bigru", "n_step_bilstm", "n_step_birnn", "n_step_gru",
           "n_step_lstm", "n_step_rnn", "slstm", "tree_lstm"]

"""Recurrent links."""

from rechain.links.rnn.gru import GRU, StatefulGRU, StatelessGRU
from rechain.links.rnn.lstm import LSTM
from rechain.links.rnn.n_step_gru import NStepBiGRU, NStepGRU
from rechain.links.rnn.n_step_lstm import NStepBiLSTM, NStepLSTM
from rechain.links.rnn.n_step_rnn import (NStepBiRNNReLU, NStepBiRNNTanh, NStepRNNReLU,
                                          NStepRNNTanh)

__all__ = ["GRU", "LSTM", "NStepBiGRU", "NStepBiLSTM", "NStepBiRNNReLU", "NStepBiRNNTanh",
           "NStepGRU", "NStepLSTM", "NStepRNNReLU", "NStepRNNTanh", "StatefulGRU",
           "StatelessGRU"]

"""Recurrent links."""

from rechain.links.rnn.gru import GRU, StatefulGRU, StatelessGRU
from rechain.links.rnn.lstm import LSTM
from rechain.links.rnn.mgu import StatefulMGU, StatelessMGU
from rechain.links.rnn.n_step_gru import NStepBiGRU, NStepGRU
from rechain.links.rnn.n_step_lstm import NStepBiLSTM, NStepLSTM
from rechain.links.rnn.n_step_rnn import (NStepBiRNNReLU, NStepBiRNNTanh, NStepRNNReLU,
                                          NStepRNNTanh)
from rechain.links.rnn.peephole import StatefulPeepholeLSTM
from rechain.links.rnn.stateless_lstm import StatelessLSTM
from rechain.links.rnn.tree_lstm import ChildSumTreeLSTM, NaryTreeLSTM
from rechain.links.rnn.zoneoutlstm import StatefulZoneoutLSTM

__all__ = ["ChildSumTreeLSTM", "GRU", "LSTM", "NaryTreeLSTM", "NStepBiGRU", "NStepBiLSTM",
           "NStepBiRNNReLU", "NStepBiRNNTanh", "NStepGRU", "NStepLSTM", "NStepRNNReLU",
           "NStepRNNTanh", "StatefulGRU", "StatefulMGU", "StatefulPeepholeLSTM",
           "StatefulZoneoutLSTM", "StatelessGRU", "StatelessLSTM", "StatelessMGU"]

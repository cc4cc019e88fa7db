"""Recurrent links."""

from rechain.links.rnn.lstm import LSTM

__all__ = ["LSTM"]

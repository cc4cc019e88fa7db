"""Recurrent-network functions."""

from rechain.functions.rnn.lstm import lstm

__all__ = ["lstm"]

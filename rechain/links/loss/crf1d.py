"""CRF1d: a linear-chain conditional random field with learned transition costs."""

import numpy

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.array.transpose_sequence import transpose_sequence
from rechain.functions.loss.crf1d import argmax_crf1d, crf1d
from rechain.links import link as _link


def _order_by_length(xs):
    """Indices sorting ``xs`` by decreasing length (stable)."""
    return sorted(range(len(xs)), key=lambda i: -len(xs[i]))


class CRF1d(_link.Link):
    """Linear-chain CRF: :func:`F.crf1d` and :func:`F.argmax_crf1d` with a ``cost`` parameter.

    Args:
        n_label (int): Number of labels K.
        initial_cost: Initializer, array or scalar of the ``(K, K)`` transition
            costs (default 0).

    Attributes:
        cost (Parameter): ``(n_label, n_label)``; ``cost[s, t]`` scores s -> t.

    Example:
        >>> crf = L.CRF1d(3)
        >>> xs = [numpy.zeros((2, 3), numpy.float32), numpy.zeros((1, 3), numpy.float32)]
        >>> ys = [numpy.zeros(2, numpy.int32), numpy.zeros(1, numpy.int32)]
        >>> crf(xs, ys).shape
        ()
    """

    def __init__(self, n_label, initial_cost=None):
        super().__init__()
        if not isinstance(n_label, (int, numpy.integer)) or n_label < 1:
            raise ValueError(f"CRF1d: n_label must be a positive int, got {n_label!r}")
        init = initializers._get_initializer(0 if initial_cost is None else initial_cost)
        with self.init_scope():
            self.cost = _variable.Parameter(init, (int(n_label), int(n_label)))

    def forward(self, xs, ys, reduce="mean", transpose=False):
        """Negative log-likelihood of ``ys`` given ``xs``.

        With ``transpose=False``, ``xs`` and ``ys`` are sequences of batches
        (``xs[t]`` is ``(B_t, K)``, batch sizes non-increasing). With
        ``transpose=True`` they are batches of sequences (``xs[b]`` is
        ``(T_b, K)``, any order); the loss then comes in length order, as Chainer.
        """
        if transpose:
            order = _order_by_length(xs)
            xs = transpose_sequence([xs[i] for i in order])
            ys = [y.array for y in transpose_sequence([ys[i] for i in order])]
        return crf1d(self.cost, list(xs), list(ys), reduce)

    def argmax(self, xs, transpose=False):
        """Best label sequences (Viterbi): ``(score, path)``.

        With ``transpose=True``, ``xs`` is a batch of sequences and ``path`` a
        list of one label array per input sequence, in the input's order.
        """
        if not transpose:
            return argmax_crf1d(self.cost, xs)
        order = _order_by_length(xs)
        score, path = argmax_crf1d(self.cost, list(transpose_sequence([xs[i] for i in order])))
        per_seq = [p.array for p in transpose_sequence(path)]
        out = [None] * len(xs)
        for k, i in enumerate(order):
            out[i] = per_seq[k]
        return score, out

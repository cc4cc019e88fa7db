"""crf1d and argmax_crf1d: a linear-chain conditional random field.

The negative log-likelihood is ``logZ - score`` with the partition function
from the forward algorithm (log-sum-exp over the previous label at each
step) and the score a sum of gathered entries; both are compositions of
differentiable functions. Sequences come transposed (``xs[t]`` holds the
batch's step ``t``), sorted by decreasing length, so ``xs[t]`` has the
``len(xs[t])`` longest sequences, as ``F.transpose_sequence`` gives.
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.array.concat import concat
from rechain.functions.array.get_item import get_item
from rechain.functions.array.select_item import select_item
from rechain.functions.loss._labels import check_labels
from rechain.functions.loss._lse import logsumexp
from rechain.functions.loss._reduce import check_reduce
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _check(f, cost, xs, ys=None):
    type_check.expect_float(f, "cost", cost)
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise type_check.InvalidType(f"{f}: cost must be a square (K, K) matrix, got shape "
                                     f"{tuple(cost.shape)}")
    k = cost.shape[0]
    if not isinstance(xs, (list, tuple)) or len(xs) == 0:
        raise ValueError(f"{f}: xs must be a non-empty list of (B_t, K) arrays")
    prev = None
    for i, x in enumerate(xs):
        type_check.expect_float(f, f"xs[{i}]", x)
        if x.ndim != 2 or x.shape[1] != k:
            raise type_check.InvalidType(f"{f}: xs[{i}] must have shape (B, {k}) for cost of "
                                         f"shape {tuple(cost.shape)}, got {tuple(x.shape)}")
        if x.dtype != cost.dtype:
            raise type_check.InvalidType(f"{f}: cost and xs[{i}] must have the same dtype, got "
                                         f"{cost.dtype} and {x.dtype}")
        if prev is not None and x.shape[0] > prev:
            raise type_check.InvalidType(
                f"{f}: batch sizes must not increase along the sequence (sort the sequences "
                f"by decreasing length), got xs[{i - 1}] with {prev} and xs[{i}] with "
                f"{x.shape[0]}")
        prev = x.shape[0]
    if ys is None:
        return
    if not isinstance(ys, (list, tuple)) or len(ys) != len(xs):
        raise ValueError(f"{f}: ys must be a list of {len(xs)} label arrays, one per xs[t]")
    for i, (x, y) in enumerate(zip(xs, ys)):
        type_check.expect_kind(f, f"ys[{i}]", y, "iu", "an integer")
        if tuple(y.shape) != (x.shape[0],):
            raise type_check.InvalidType(f"{f}: ys[{i}] must have shape ({x.shape[0]},), got "
                                         f"{tuple(y.shape)}")
        check_labels(f, y, k, argname=f"ys[{i}]")


def crf1d(cost, xs, ys, reduce="mean"):
    """Negative log-likelihood of label sequences ``ys`` under a linear-chain CRF.

    With transition scores ``cost[s, t]`` (from label s to t) and unary scores
    ``xs[t][b, y]``, the score of a path is the sum of its unary and transition
    scores and the loss ``logsumexp over all paths - score(ys)``.

    Args:
        cost (Variable or ndarray): ``(K, K)`` transition scores.
        xs (list of Variable or ndarray): ``T`` arrays ``(B_t, K)``, batch sizes
            non-increasing.
        ys (list of ndarray): ``T`` integer label arrays ``(B_t,)``.
        reduce (str): ``'mean'`` (sum over the batch / B, Chainer's) or
            ``'no'`` (``(B,)`` losses).

    Returns:
        Variable: 0-d, or ``(B,)`` with ``reduce='no'``.

    Example:
        >>> xs = [np.zeros((1, 2), np.float32)] * 3
        >>> ys = [np.zeros(1, np.int32)] * 3
        >>> float(F.crf1d(np.zeros((2, 2), np.float32), xs, ys).array)  # log 2**3
        2.0794...
    """
    f = "crf1d"
    check_reduce(f, reduce, ("mean", "no"))
    if type_check.enabled():
        _check(f, cost, xs, ys)
    ys = [variable.as_array(y) for y in ys]
    n_batch = xs[0].shape[0]
    cost = variable.as_variable(cost)
    alpha = variable.as_variable(xs[0])
    score = select_item(xs[0], ys[0])
    for x, y, y_prev in zip(xs[1:], ys[1:], ys[:-1]):
        b = x.shape[0]
        head = alpha if b == alpha.shape[0] else alpha[:b]
        step = logsumexp(head[:, :, None] + cost[None], axis=1) + x
        alpha = step if b == alpha.shape[0] else concat([step, alpha[b:]], axis=0)
        gain = select_item(x, y) + get_item(cost, (y_prev[:b], y))
        score = score + gain if b == score.shape[0] else concat([score[:b] + gain, score[b:]],
                                                                axis=0)
    loss = logsumexp(alpha, axis=1) - score
    if reduce == "mean":
        return _sum(loss) * (1.0 / n_batch)
    return loss


def argmax_crf1d(cost, xs):
    """The most likely label sequence of each example under the CRF (Viterbi).

    Args:
        cost (Variable or ndarray): ``(K, K)`` transition scores.
        xs (list of Variable or ndarray): ``T`` arrays ``(B_t, K)``, batch sizes
            non-increasing.

    Returns:
        tuple: ``(score, path)``: ``score`` a ``(B,)`` Variable, the best path's
        score (differentiable in cost and xs), and ``path`` a list of ``T``
        integer arrays ``(B_t,)``, the labels.

    Example:
        >>> xs = [np.array([[0., 1.]], np.float32)] * 2
        >>> score, path = F.argmax_crf1d(np.zeros((2, 2), np.float32), xs)
        >>> [p.tolist() for p in path]
        [[1], [1]]
    """
    f = "argmax_crf1d"
    if type_check.enabled():
        _check(f, cost, xs)
    c = variable.as_array(cost)
    xa = [variable.as_array(x) for x in xs]
    xp = backend.get_array_module(c)
    alpha = xa[0].copy()
    back = []
    for x in xa[1:]:
        b = x.shape[0]
        s = alpha[:b, :, None] + c[None]
        back.append(s.argmax(axis=1))
        alpha[:b] = s.max(axis=1) + x  # rows past b keep their final values
    cur = alpha.argmax(axis=1)
    path = [None] * len(xa)
    for t in range(len(xa) - 1, 0, -1):
        b = xa[t].shape[0]
        path[t] = cur[:b].copy()
        cur[:b] = back[t - 1][xp.arange(b), cur[:b]]
    path[0] = cur
    ys = [p.astype(numpy.int32) for p in path]
    score = select_item(xs[0], ys[0])
    for x, y, y_prev in zip(xs[1:], ys[1:], ys[:-1]):
        b = x.shape[0]
        gain = select_item(x, y) + get_item(cost, (y_prev[:b], y))
        score = score + gain if b == score.shape[0] else concat([score[:b] + gain, score[b:]],
                                                                axis=0)
    return score, ys

"""connectionist_temporal_classification: the CTC loss (Graves et al., 2006).

The forward (alpha) recursion runs in log space over the label sequence
extended with blanks, each step a log-sum-exp of the previous alphas at the
same, the previous and (where allowed) the second previous position plus
the frame's log-softmax at the position's label. Everything is a composition
of differentiable functions, so gradients of every order reach ``x``.
Impossible states hold a large negative finite number instead of -inf, so
no NaN can arise in a gradient.
"""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.activation.softmax import log_softmax
from rechain.functions.array.concat import concat
from rechain.functions.array.get_item import get_item
from rechain.functions.array.where import where
from rechain.functions.loss._lse import logsumexp_of
from rechain.functions.loss._reduce import check_reduce
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _lengths(f, name, v, n_batch, top, xp):
    if v is None:
        return numpy.full(n_batch, top, dtype=numpy.int64)
    v = variable.as_array(v)
    type_check.expect_kind(f, name, v, "iu", "an integer")
    if tuple(v.shape) != (n_batch,):
        raise type_check.InvalidType(f"{f}: {name} must have shape ({n_batch},), got "
                                     f"{tuple(v.shape)}")
    host = numpy.asarray(v.get() if xp is not numpy else v).astype(numpy.int64)
    if (host < 0).any() or (host > top).any():
        raise ValueError(f"{f}: {name} must lie in [0, {top}], got {host.tolist()}")
    return host


def connectionist_temporal_classification(x, t, blank_symbol, input_length=None,
                                          label_length=None, reduce="mean"):
    """CTC loss of label sequences ``t`` given per-frame unnormalised scores ``x``.

    ``-log p(t | x)``, summing over every alignment of ``t`` to the frames
    with blanks; softmax is applied to ``x`` inside (pass raw scores).

    Args:
        x (list of Variable or ndarray): ``T`` arrays ``(B, V)`` of scores.
        t (Variable or ndarray): ``(B, L)`` integer labels in ``[0, V)``.
        blank_symbol (int): The blank's index in ``[0, V)``.
        input_length (ndarray or None): ``(B,)`` frames used per example
            (default: all ``T``).
        label_length (ndarray or None): ``(B,)`` labels used per example
            (default: all ``L``).
        reduce (str): ``'mean'`` (the mean over the batch) or ``'no'`` (``(B,)``).

    Returns:
        Variable: 0-d, or ``(B,)`` with ``reduce='no'``; an impossible labelling
        (too few frames) gives a huge finite loss.

    Example:
        >>> x = [np.zeros((1, 2), np.float32)] * 2
        >>> float(F.connectionist_temporal_classification(x, np.array([[1]]), 0).array)
        0.2876...
    """
    f = "connectionist_temporal_classification"
    check_reduce(f, reduce, ("mean", "no"))
    if not isinstance(x, (list, tuple)) or len(x) == 0:
        raise TypeError(f"{f}: x must be a non-empty list of (B, V) Variables or arrays")
    if not isinstance(blank_symbol, (int, numpy.integer)) or isinstance(blank_symbol, bool):
        raise TypeError(f"{f}: blank_symbol must be a non-negative int, got {blank_symbol!r}")
    x0 = x[0]
    if type_check.enabled():
        for i, xi in enumerate(x):
            type_check.expect_float(f, f"x[{i}]", xi)
            type_check.expect_ndim(f, f"x[{i}]", xi, 2)
            if tuple(xi.shape) != tuple(x0.shape) or xi.dtype != x0.dtype:
                raise type_check.InvalidType(
                    f"{f}: every x[i] must have x[0]'s shape and dtype {tuple(x0.shape)} "
                    f"{x0.dtype}, got x[{i}] {tuple(xi.shape)} {xi.dtype}")
        type_check.expect_kind(f, "t", t, "iu", "an integer")
        type_check.expect_ndim(f, "t", t, 2)
        if t.shape[0] != x0.shape[0]:
            raise type_check.InvalidType(f"{f}: x[0] and t must have the same batch size, got "
                                         f"x[0] {tuple(x0.shape)} and t {tuple(t.shape)}")
    n_batch, n_vocab = x0.shape
    if not 0 <= blank_symbol < n_vocab:
        raise ValueError(f"{f}: blank_symbol {blank_symbol} is out of range for {n_vocab} "
                         f"classes")
    t = variable.as_array(t)
    xp = backend.get_array_module(t)
    if t.size and (bool((t < 0).any()) or bool((t >= n_vocab).any())):
        raise ValueError(f"{f}: labels in t must lie in [0, {n_vocab})")
    T, L = len(x), t.shape[1]
    in_len = _lengths(f, "input_length", input_length, n_batch, T, xp)
    lab_len = _lengths(f, "label_length", label_length, n_batch, L, xp)
    dtype = x0.dtype
    neg = dtype.type(-1e4 if dtype.itemsize == 2 else -1e30)

    S = 2 * L + 1
    ext = numpy.full((n_batch, S), blank_symbol, dtype=numpy.int64)
    th = numpy.asarray(t.get() if xp is not numpy else t).astype(numpy.int64)
    ext[:, 1::2] = th
    skip = numpy.zeros((n_batch, S), dtype=bool)
    skip[:, 3::2] = th[:, 1:] != th[:, :-1]  # odd s >= 3: label differs from two back
    pos = numpy.arange(S)
    start = (pos[None] == 0) | ((pos[None] == 1) & (lab_len[:, None] > 0))
    rows = xp.asarray(numpy.arange(n_batch)[:, None])
    ext_d, skip_d = xp.asarray(ext), xp.asarray(skip)
    fill1 = xp.full((n_batch, 1), neg, dtype=dtype)
    fill2 = xp.full((n_batch, min(2, S)), neg, dtype=dtype)
    negs = xp.full((n_batch, S), neg, dtype=dtype)

    def emission(xt):
        return get_item(log_softmax(xt, axis=1), (rows, ext_d))
    alpha = where(xp.asarray(start), emission(x[0]), negs)
    for step in range(1, T):
        prev1 = concat([fill1, alpha[:, :-1]], axis=1) if S > 1 else negs
        prev2 = where(skip_d, concat([fill2, alpha[:, :-2]], axis=1), negs) if S > 2 else negs
        new = logsumexp_of(alpha, prev1, prev2) + emission(x[step])
        live = xp.asarray(numpy.repeat((in_len > step)[:, None], S, axis=1))
        alpha = where(live, new, alpha)
    last = xp.asarray(2 * lab_len)
    before = xp.asarray(numpy.maximum(2 * lab_len - 1, 0))
    end1 = get_item(alpha, (xp.arange(n_batch), last))
    end2 = where(xp.asarray(lab_len > 0), get_item(alpha, (xp.arange(n_batch), before)),
                 xp.full(n_batch, neg, dtype=dtype))
    loss = -logsumexp_of(end1, end2)
    if reduce == "mean":
        return _sum(loss) * (1.0 / n_batch)
    return loss

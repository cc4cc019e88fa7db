"""black_out: the BlackOut loss (Ji et al., 2016), a sampled softmax."""

from rechain import backend
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.concat import concat
from rechain.functions.array.expand_dims import expand_dims
from rechain.functions.array.reshape import reshape
from rechain.functions.connection.embed_id import embed_id
from rechain.functions.math.exponential import exp, log, log1p
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _check(fname, x, t, W, samples, reduce):
    if reduce not in ("mean", "no"):
        raise ValueError(f"{fname}: reduce must be 'mean' or 'no', got {reduce!r}")
    if not type_check.enabled():
        return
    type_check.expect_float(fname, "x", x)
    type_check.expect_float(fname, "W", W)
    type_check.expect_kind(fname, "t", t, "iu", "an integer")
    type_check.expect_kind(fname, "samples", samples, "iu", "an integer")
    if x.ndim != 2:
        raise type_check.InvalidType(f"{fname}: x must be 2-d (batch, in_size), got shape "
                                     f"{tuple(x.shape)}")
    if t.ndim != 1 or t.shape[0] != x.shape[0]:
        raise type_check.InvalidType(f"{fname}: t must be 1-d with x.shape[0] = {x.shape[0]} "
                                     f"labels, got shape {tuple(t.shape)}")
    if samples.ndim != 2 or samples.shape[0] != x.shape[0]:
        raise type_check.InvalidType(f"{fname}: samples must be 2-d (batch = {x.shape[0]}, "
                                     f"sample_size), got shape {tuple(samples.shape)}")
    if W.ndim != 2 or W.shape[1] != x.shape[1]:
        raise type_check.InvalidType(f"{fname}: W must be 2-d (vocab_size, {x.shape[1]}) to "
                                     f"match x {tuple(x.shape)}, got shape {tuple(W.shape)}")
    if W.dtype != x.dtype:
        raise type_check.InvalidType(f"{fname}: x and W must have the same dtype, got x "
                                     f"{x.dtype} and W {W.dtype}")


def black_out(x, t, W, samples, reduce="mean"):
    """BlackOut loss: a softmax over the label and the given negative samples.

    With ``p = W[t] . x`` and ``q_k = W[samples[:, k]] . x``, and ``logz`` the
    log-sum-exp of ``p`` and all ``q_k``, the loss of an example is
    ``-(p - logz + sum_k log(1 - exp(q_k - logz)))``.

    Args:
        x (Variable or ndarray): Inputs ``(batch, in_size)``.
        t (Variable or ndarray): Integer labels ``(batch,)`` in ``[0, vocab)``.
        W (Variable or ndarray): Output embeddings ``(vocab, in_size)``.
        samples (Variable or ndarray): Integer negatives ``(batch, sample_size)``
            in ``[0, vocab)``.
        reduce (str): ``'mean'`` (the batch mean, a scalar) or ``'no'``
            (``(batch,)``).

    Returns:
        Variable: The loss.

    Example:
        >>> F.black_out(np.ones((2, 3), np.float32), np.array([0, 1]),
        ...             np.ones((4, 3), np.float32), np.array([[2, 3], [3, 2]])).shape
        ()
    """
    fname = "black_out"
    _check(fname, x, t, W, samples, reduce)
    t = variable.as_array(t)
    samples = variable.as_array(samples)
    xv = variable.as_variable(x)
    batch = xv.shape[0]
    neg_rows = embed_id(samples, W)                                      # (B, S, D)
    neg = _sum(neg_rows * broadcast_to(expand_dims(xv, 1), neg_rows.shape), axis=2)
    pos = _sum(embed_id(t, W) * xv, axis=1)                              # (B,)
    scores = concat([reshape(pos, (batch, 1)), neg], axis=1)             # (B, S + 1)
    # log-sum-exp shifted by the (constant) row maximum: exact, and stable.
    xp = backend.get_array_module(scores.array)
    m = xp.max(scores.array, axis=1)
    logz = log(_sum(exp(scores - m[:, None]), axis=1)) + m
    blogz = broadcast_to(reshape(logz, (batch, 1)), neg.shape)
    loss = -(pos - logz + _sum(log1p(-exp(neg - blogz)), axis=1))
    if reduce == "mean":
        loss = _sum(loss) * (1.0 / batch)
    return loss

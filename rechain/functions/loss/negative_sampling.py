"""negative_sampling: the word2vec negative-sampling loss."""

from rechain import backend
from rechain import variable
from rechain.functions.activation.softplus import softplus
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.expand_dims import expand_dims
from rechain.functions.connection.embed_id import embed_id
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check

IGNORE_LABEL = -1


def _check(fname, x, t, W, sample_size, reduce):
    if reduce not in ("sum", "no"):
        raise ValueError(f"{fname}: reduce must be 'sum' or 'no', got {reduce!r}")
    if isinstance(sample_size, bool) or not isinstance(sample_size, int) or sample_size < 0:
        raise ValueError(f"{fname}: sample_size must be a non-negative int, got "
                         f"{sample_size!r}")
    if not type_check.enabled():
        return
    type_check.expect_float(fname, "x", x)
    type_check.expect_float(fname, "W", W)
    type_check.expect_kind(fname, "t", t, "iu", "an integer")
    if x.ndim != 2:
        raise type_check.InvalidType(f"{fname}: x must be 2-d (batch, in_size), got shape "
                                     f"{tuple(x.shape)}")
    if t.ndim != 1 or t.shape[0] != x.shape[0]:
        raise type_check.InvalidType(f"{fname}: t must be 1-d with x.shape[0] = {x.shape[0]} "
                                     f"labels, got shape {tuple(t.shape)} (x {tuple(x.shape)})")
    if W.ndim != 2 or W.shape[1] != x.shape[1]:
        raise type_check.InvalidType(f"{fname}: W must be 2-d (vocab_size, {x.shape[1]}) to "
                                     f"match x {tuple(x.shape)}, got shape {tuple(W.shape)}")
    if W.dtype != x.dtype:
        raise type_check.InvalidType(f"{fname}: x and W must have the same dtype, got x "
                                     f"{x.dtype} and W {W.dtype}")
    ids = variable.as_array(t)
    xp = backend.get_array_module(ids)
    bad = ((ids < 0) | (ids >= W.shape[0])) & (ids != IGNORE_LABEL)
    if ids.size and bool(bad.any()):
        i = int(xp.argwhere(bad)[0, 0])
        raise ValueError(f"{fname}: t[{i}] = {int(ids[i])} is out of range for W of shape "
                         f"{tuple(W.shape)} (labels must be in [0, {W.shape[0]}) or "
                         f"{IGNORE_LABEL} to ignore)")


def _draw(fname, sampler, t, sample_size, vocab):
    """Call ``sampler((B, sample_size + 1))`` and put the labels in column 0."""
    xp = backend.get_array_module(t)
    shape = (t.shape[0], sample_size + 1)
    samples = sampler(shape)
    if not backend.is_array(samples) or tuple(samples.shape) != shape \
            or samples.dtype.kind not in "iu":
        got = (f"{type(samples).__name__} of shape {tuple(samples.shape)} and dtype "
               f"{samples.dtype}" if backend.is_array(samples) else type(samples).__name__)
        raise ValueError(f"{fname}: sampler({shape}) must return an integer array of shape "
                         f"{shape}, got {got}")
    samples = xp.array(samples, copy=True)
    if samples.shape[1] > 1:
        neg = samples[:, 1:]
        if bool(((neg < 0) | (neg >= vocab)).any()):
            raise ValueError(f"{fname}: sampler returned ids outside [0, {vocab}) "
                             f"(W.shape[0] = {vocab})")
    samples[:, 0] = t
    return samples


def negative_sampling(x, t, W, sampler, sample_size, reduce="sum", *, return_samples=False):
    """Negative-sampling loss (Mikolov et al., 2013).

    For each example ``i`` with label ``t[i]`` the loss is
    ``-log sigmoid(W[t[i]] . x[i]) - sum_k log sigmoid(-W[s_ik] . x[i])`` over
    ``sample_size`` negatives ``s_ik`` drawn by ``sampler``. Examples whose
    label is ``-1`` contribute zero.

    The sampler is called once, as ``sampler((batch, sample_size + 1))``; the
    first column of its result is overwritten with ``t``. With
    :class:`rechain.utils.WalkerAlias` the draws come from the framework random
    stream, so ``F.forget`` replays them exactly.

    Args:
        x (Variable or ndarray): Inputs ``(batch, in_size)``.
        t (Variable or ndarray): Integer labels ``(batch,)`` in ``[0, vocab)``
            or ``-1``.
        W (Variable or ndarray): Output embeddings ``(vocab, in_size)``.
        sampler (callable): ``shape -> integer array`` of ids in ``[0, vocab)``.
        sample_size (int): Number of negatives per example.
        reduce (str): ``'sum'`` (a scalar) or ``'no'`` (one loss per example).
        return_samples (bool): Also return the ``(batch, sample_size + 1)``
            array of ids used (labels in the first column).

    Returns:
        Variable, or ``(Variable, ndarray)`` with ``return_samples``.

    Example:
        >>> s = rechain.utils.WalkerAlias([1., 1., 1.])
        >>> F.negative_sampling(np.ones((2, 4), np.float32), np.array([0, 2]),
        ...                     np.zeros((3, 4), np.float32), s, 5).shape
        ()
    """
    fname = "negative_sampling"
    _check(fname, x, t, W, sample_size, reduce)
    ids = variable.as_array(t)
    xv = variable.as_variable(x)
    samples = _draw(fname, sampler, ids, sample_size, W.shape[0])
    xp = backend.get_array_module(samples)
    keep = ids != IGNORE_LABEL
    rows = embed_id(xp.where(samples < 0, 0, samples), W)            # (B, S + 1, D)
    wx = _sum(rows * broadcast_to(expand_dims(xv, 1), rows.shape), axis=2)
    sign = xp.ones(sample_size + 1, dtype=xv.dtype)
    sign[0] = -1
    loss = _sum(softplus(wx * sign), axis=1) * keep.astype(xv.dtype)
    if reduce == "sum":
        loss = _sum(loss)
    return (loss, samples) if return_samples else loss

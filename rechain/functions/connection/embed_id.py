"""embed_id: look up rows of an embedding matrix by integer id."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


def _scatter_add(xp, out, ids, values):
    """``out[ids[k]] += values[k]`` with repeated ids accumulated."""
    at = getattr(xp.add, "at", None)
    if at is not None:
        at(out, ids, values)
        return
    # Fallback for array modules without ufunc.at: sort ids and sum segments.
    order = xp.argsort(ids)
    sids = ids[order]
    csum = xp.cumsum(values[order], axis=0)
    last = xp.concatenate([sids[1:] != sids[:-1], xp.ones((1,), dtype=bool)])
    ends = xp.nonzero(last)[0]
    seg = csum[ends]
    seg[1:] -= csum[ends[:-1]]
    out[sids[ends]] += seg


class EmbedIDFunction(function_node.FunctionNode):
    """Inputs ``(x, W)``: ``y[...] = W[x[...]]`` (zero where ``x == ignore_label``)."""

    def __init__(self, ignore_label=None):
        self.ignore_label = ignore_label

    @property
    def label(self):
        return "EmbedID"

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, W = inputs
        self._w_shape = W.shape
        xp = backend.get_array_module(x, W)
        if self.ignore_label is None:
            return xp.take(W, x, axis=0),
        mask = x == self.ignore_label
        y = xp.take(W, xp.where(mask, 0, x), axis=0)
        y[mask] = 0
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0 or gy is None:
                ret.append(None)  # ids are not differentiable
            else:
                x, = self.get_retained_inputs()
                ret.append(EmbedIDGrad(self._w_shape, self.ignore_label).apply((x, gy))[0])
        return tuple(ret)


class EmbedIDGrad(function_node.FunctionNode):
    """Inputs ``(x, gy)``: ``gW[v] = sum of gy where x == v`` (ignored ids skipped)."""

    def __init__(self, w_shape, ignore_label=None):
        self.w_shape = w_shape
        self.ignore_label = ignore_label

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, gy = inputs
        xp = backend.get_array_module(x, gy)
        gW = xp.zeros(self.w_shape, dtype=gy.dtype)
        ids = x.reshape(-1)
        rows = gy.reshape(ids.size, self.w_shape[1])
        if self.ignore_label is not None:
            keep = ids != self.ignore_label
            ids = ids[keep]
            rows = rows[keep]
        _scatter_add(xp, gW, ids, rows)
        return gW,

    def backward(self, indexes, grad_outputs):
        ggW, = grad_outputs
        ret = []
        for i in indexes:
            if i == 0 or ggW is None:
                ret.append(None)  # ids are not differentiable
            else:
                x, = self.get_retained_inputs()
                ret.append(EmbedIDFunction(self.ignore_label).apply((x, ggW))[0])
        return tuple(ret)


def embed_id(x, W, ignore_label=None):
    """Embedding lookup: ``y[..., :] = W[x[...], :]``.

    Args:
        x (Variable or ndarray): Integer ids of any shape, each in
            ``[0, W.shape[0])`` or equal to ``ignore_label``.
        W (Variable or ndarray): Embedding matrix ``(vocab_size, dim)``.
        ignore_label (int or None): Id whose output row is zero and which
            contributes no gradient.

    Returns:
        Variable: ``x.shape + (dim,)``.

    Example:
        >>> F.embed_id(np.array([2, 0], np.int32), np.eye(3, dtype=np.float32)).array
        array([[0., 0., 1.],
               [1., 0., 0.]], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_kind("embed_id", "x", x, "iu", "an integer")
        type_check.expect_float("embed_id", "W", W)
        if W.ndim != 2:
            raise type_check.InvalidType(f"embed_id: W must be 2-d (vocab_size, dim), "
                                         f"got shape {tuple(W.shape)}")
        _check_ids(x, W.shape[0], ignore_label)
    return EmbedIDFunction(ignore_label).apply((x, W))[0]


def _check_ids(x, vocab, ignore_label):
    ids = getattr(x, "array", x)
    if ids.size == 0:
        return
    xp = backend.get_array_module(ids)
    bad = (ids < 0) | (ids >= vocab)
    if ignore_label is not None:
        bad &= ids != ignore_label
    if bool(bad.any()):
        first = int(ids[bad].reshape(-1)[0])
        where = tuple(int(i) for i in xp.argwhere(bad)[0])
        extra = "" if ignore_label is None else f" (ignore_label={ignore_label})"
        raise ValueError(f"embed_id: id {first} at index {where} of x {tuple(ids.shape)} "
                         f"is out of range for vocabulary size {vocab} (W.shape[0]); "
                         f"ids must be in [0, {vocab}){extra}")

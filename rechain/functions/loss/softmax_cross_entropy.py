"""softmax_cross_entropy.

Two paths compute the same loss:

- the fused :class:`SoftmaxCrossEntropy` node (default). With
  ``cache_score=True`` the softmax is a hidden second output of the node and is
  what backward keeps (x itself is not kept); with ``cache_score=False`` x is
  kept and the softmax recomputed in backward. Its first-order backward is
  computed directly on arrays; when the backward itself is being recorded
  (double backprop) the same gradient is built from differentiable operations,
  so second derivatives are correct on this path too.
- the composite path (``enable_double_backprop=True``), as in Chainer:
  ``-sum(log_softmax(x) * onehot(t))`` built from differentiable functions.
"""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.activation.softmax import _log_softmax_array, log_softmax, softmax
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check

_constant = variable.Variable._constant


def _expand(a, ndim):
    """Insert the class axis (axis 1) into an array or Variable of t's shape."""
    shape = tuple(a.shape[:1]) + (1,) + tuple(a.shape[1:])
    return reshape(a, shape) if isinstance(a, variable.Variable) else a.reshape(shape)


def _onehot(t, n_class, ndim, dtype):
    """One-hot of ``t`` along axis 1 (ignored labels give all-zero rows)."""
    xp = backend.get_array_module(t)
    classes = xp.arange(n_class).reshape((1, n_class) + (1,) * (ndim - 2))
    return xp.asarray(classes == _expand(t, ndim), dtype=dtype)


def _weights(t, w, ignore_label, dtype, coeff):
    """Per-example weight: class weight (or 1), 0 for ignored labels, times coeff."""
    xp = backend.get_array_module(t)
    valid = t != ignore_label
    if w is None:
        out = xp.asarray(valid, dtype=dtype)
    else:
        out = xp.asarray(xp.where(valid, w[xp.where(valid, t, 0)], 0), dtype=dtype)
    if coeff is not None:
        out *= coeff
    return out


def _coeff(t, ignore_label, normalize, dtype):
    """1 / (number of valid labels, or batch size), as a 0-d array on t's device."""
    xp = backend.get_array_module(t)
    if normalize:
        count = (t != ignore_label).sum()
    else:
        count = t.shape[0] if t.ndim else 1
    return xp.asarray(1.0, dtype=dtype) / xp.maximum(xp.asarray(count, dtype=dtype), 1)


class SoftmaxCrossEntropy(function_node.FunctionNode):
    """Fused softmax cross entropy on inputs ``(x, t[, class_weight])``."""

    def __init__(self, normalize, cache_score, ignore_label, reduce, weighted):
        self.normalize = normalize
        self.cache_score = cache_score
        self.ignore_label = ignore_label
        self.reduce = reduce
        self.weighted = weighted

    @property
    def y(self):
        """The softmax of ``x`` kept for backward (an array), or None.

        Set by the forward pass when ``cache_score`` is true (as Chainer's
        ``SoftmaxCrossEntropy.y``); None without ``cache_score``, and once
        the graph is unchained.
        """
        if not self.cache_score:
            return None
        if self._handler is not None:  # kept by a saved-array handler (F.forget)
            return self.get_retained_outputs()[0].array
        stored = self._retained_out
        return stored[0] if stored else None  # None once unchained

    def forward(self, inputs):
        x, t = inputs[:2]
        w = inputs[2] if self.weighted else None
        xp = backend.get_array_module(x)
        log_y = _log_softmax_array(x, 1)
        t_safe = xp.where(t == self.ignore_label, 0, t)
        log_p = xp.take_along_axis(log_y, _expand(t_safe, x.ndim).astype(xp.intp), axis=1)
        log_p = log_p.reshape(t.shape)
        coeff = (_coeff(t, self.ignore_label, self.normalize, x.dtype)
                 if self.reduce == "mean" else None)
        log_p *= _weights(t, w, self.ignore_label, x.dtype, None)
        if self.reduce == "mean":
            loss = xp.asarray(-log_p.sum() * coeff, dtype=x.dtype)
        else:
            loss = -log_p
        rest = (1,) + ((2,) if self.weighted else ())
        if self.cache_score:
            self.retain_inputs(rest)
            self.retain_outputs((1,))
            return loss, xp.exp(log_y)
        self.retain_inputs((0,) + rest)
        return loss,

    def backward(self, indexes, grad_outputs):
        retained = self.get_retained_inputs()
        if self.cache_score:
            t, w = retained[0], (retained[1] if self.weighted else None)
            y, = self.get_retained_outputs()
            x = None
        else:
            x, t = retained[:2]
            w = retained[2] if self.weighted else None
            y = None
        gloss = grad_outputs[0]
        gscore = grad_outputs[1] if self.cache_score else None
        if 0 not in indexes:
            return tuple([None] * len(indexes))
        t_arr = t.array
        dtype = (x if y is None else y).dtype
        coeff = (_coeff(t_arr, self.ignore_label, self.normalize, dtype)
                 if self.reduce == "mean" else None)
        wc = _weights(t_arr, None if w is None else w.array, self.ignore_label, dtype, coeff)

        if not configuration.config.enable_backprop and gscore is None:
            # First order only: nothing records, so compute on arrays.
            gx = (y.array.copy() if y is not None else
                  backend.get_array_module(x.array).exp(_log_softmax_array(x.array, 1)))
            ndim = gx.ndim
            gx -= _onehot(t_arr, gx.shape[1], ndim, dtype)
            gx *= _expand(wc * gloss.array, ndim)
            gx = _constant(gx)
        else:
            if y is None:
                y = softmax(x, axis=1)
            ndim = y.ndim
            gx = None
            if gloss is not None:
                coef = _expand(gloss * _constant(wc), ndim)
                gx = (y - _constant(_onehot(t_arr, y.shape[1], ndim, dtype))) \
                    * broadcast_to(coef, y.shape)
            if gscore is not None:
                # Gradient arriving at the hidden softmax output (only during
                # double backprop): the softmax Jacobian-vector product.
                s = y * gscore
                s = s - y * _sum(s, 1, keepdims=True)
                gx = s if gx is None else gx + s
        return tuple([gx if i == 0 else None for i in indexes])


def _composite(x, t, w, normalize, ignore_label, reduce):
    """The loss built from differentiable functions (double backprop)."""
    t_arr = variable.as_array(t)
    dtype = x.dtype
    coeff = _coeff(t_arr, ignore_label, normalize, dtype) if reduce == "mean" else None
    wc = _weights(t_arr, w, ignore_label, dtype, coeff)
    ndim = x.ndim
    target = _onehot(t_arr, x.shape[1], ndim, dtype) * _expand(wc, ndim)
    per = -_sum(log_softmax(x, axis=1) * _constant(target), 1)
    return _sum_all(per) if reduce == "mean" else per


def _sum_all(v, scale=None):
    """Sum of all elements as a 0-d Variable holding an ndarray.

    Summed with keepdims and reshaped last: a full reduction (or any ufunc on
    a 0-d array) in NumPy yields a NumPy scalar, which the core does not
    convert back to an ndarray.
    """
    s = _sum(v, keepdims=True)
    if scale is not None:
        s = s * scale
    return reshape(s, ())


def _soft_target(x, t, normalize, reduce, soft_target_loss):
    """Cross entropy (or KL divergence) against a distribution ``t`` of x's shape."""
    t = variable.as_variable(t)
    xp = backend.get_array_module(t.array)
    log_y = log_softmax(x, axis=1)
    per = -_sum(log_y * t, 1)
    if soft_target_loss == "kl-divergence":
        ta = t.array
        ent = xp.where(ta > 0, ta * xp.log(xp.where(ta > 0, ta, 1)), 0).sum(axis=1)
        per = per + _constant(xp.asarray(ent, dtype=x.dtype))
    if reduce == "no":
        return per
    # As in Chainer, soft targets average over every position whatever ``normalize``.
    return _sum_all(per, 1.0 / max(per.size, 1))


def _first_bad(bad):
    xp = backend.get_array_module(bad)
    idx = tuple(int(i) for i in backend.to_cpu(xp.argwhere(bad)[0]))
    return idx


def _check(x, t, class_weight, ignore_label, reduce):
    f = "softmax_cross_entropy"
    type_check.expect_float(f, "x", x)
    if x.ndim < 2:
        raise type_check.InvalidType(
            f"{f}: x must have at least 2 dimensions (N, C, ...), got shape {tuple(x.shape)}")
    if t.dtype.kind not in "iu":
        raise type_check.InvalidType(
            f"{f}: t must hold integer class labels, got dtype {t.dtype} (shape "
            f"{tuple(t.shape)}); soft targets must be a float array of x's shape "
            f"{tuple(x.shape)}")
    want = tuple(x.shape[:1]) + tuple(x.shape[2:])
    if tuple(t.shape) != want:
        raise type_check.InvalidType(
            f"{f}: t of shape {tuple(t.shape)} does not match x of shape {tuple(x.shape)}; "
            f"t must have shape {want} (x's shape without the class axis 1)")
    n_class = x.shape[1]
    if class_weight is not None:
        if class_weight.ndim != 1 or class_weight.shape[0] != n_class:
            raise type_check.InvalidType(
                f"{f}: class_weight must have shape ({n_class},) for x of shape "
                f"{tuple(x.shape)}, got {tuple(class_weight.shape)}")
        type_check.expect_float(f, "class_weight", class_weight)
    # Checking label values reads t; on the GPU that synchronizes, so it is
    # done there only in debug mode.
    t_arr = variable.as_array(t)
    if backend.get_array_module(t_arr) is numpy or configuration.config.debug:
        bad = ((t_arr < 0) | (t_arr >= n_class)) & (t_arr != ignore_label)
        if bad.any():
            pos = _first_bad(bad)
            raise type_check.InvalidType(
                f"{f}: label t[{', '.join(map(str, pos))}]={int(t_arr[pos])} is out of range "
                f"for x of shape {tuple(x.shape)} with {n_class} classes; labels must be in "
                f"[0, {n_class}) or equal ignore_label={ignore_label}")


def softmax_cross_entropy(x, t, normalize=True, cache_score=True, class_weight=None,
                          ignore_label=-1, reduce="mean", enable_double_backprop=False,
                          soft_target_loss="cross-entropy"):
    """Cross entropy between the softmax of ``x`` along axis 1 and labels ``t``.

    Per example, ``-class_weight[t] * log(softmax(x)[t])``; examples whose label
    is ``ignore_label`` contribute 0.

    Args:
        x (Variable or ndarray): Scores of shape ``(N, C)`` or ``(N, C, d1, ...)``.
        t (Variable or ndarray): Integer labels of shape ``(N,)`` or
            ``(N, d1, ...)``. A float array of x's shape is taken as soft
            target probabilities instead.
        normalize (bool): With ``reduce='mean'``, divide by the number of
            non-ignored labels (True) or by the batch size N (False).
        cache_score (bool): Keep the softmax for backward instead of ``x``.
        class_weight (ndarray): Weight of each class, shape ``(C,)``.
        ignore_label (int): Label value that contributes nothing.
        reduce (str): ``'mean'`` for a 0-d loss, ``'no'`` for per-example
            losses of t's shape.
        enable_double_backprop (bool): Build the loss from differentiable
            functions (the fused default also supports double backprop).
        soft_target_loss (str): For soft targets, ``'cross-entropy'`` or
            ``'kl-divergence'``.

    Returns:
        Variable: The loss, of x's dtype.

    Example:
        >>> x = np.array([[0., 0.]], np.float32); t = np.array([1], np.int32)
        >>> F.softmax_cross_entropy(x, t).array
        array(0.6931472, dtype=float32)
    """
    if reduce not in ("mean", "no"):
        raise ValueError(f"softmax_cross_entropy: reduce must be 'mean' or 'no', got {reduce!r}")
    if soft_target_loss not in ("cross-entropy", "kl-divergence"):
        raise ValueError(f"softmax_cross_entropy: soft_target_loss must be 'cross-entropy' "
                         f"or 'kl-divergence', got {soft_target_loss!r}")
    if t.dtype.kind == "f" and tuple(t.shape) == tuple(x.shape) and x.ndim >= 2:
        if type_check.enabled():
            type_check.expect_float("softmax_cross_entropy", "x", x)
            type_check.expect_same_dtype("softmax_cross_entropy", ("x", "t"), (x, t))
        return _soft_target(x, t, normalize, reduce, soft_target_loss)
    w = None if class_weight is None else variable.as_array(class_weight)
    if type_check.enabled():
        _check(x, t, w, ignore_label, reduce)
    if w is not None and w.dtype != x.dtype:
        w = w.astype(x.dtype)
    if enable_double_backprop:
        return _composite(variable.as_variable(x), t, w, normalize, ignore_label, reduce)
    t = variable.as_array(t)
    node = SoftmaxCrossEntropy(bool(normalize), bool(cache_score), ignore_label, reduce,
                               w is not None)
    return node.apply((x, t) if w is None else (x, t, w))[0]

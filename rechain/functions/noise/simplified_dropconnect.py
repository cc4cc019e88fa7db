"""simplified_dropconnect: a linear layer whose weights are dropped at random (Wan et al., 2013).

The 0/1 mask on the weights is drawn from the framework stream
(``rechain.random``) outside the graph and enters the node
:class:`SimplifiedDropconnect` as a constant input, which it retains (so
``F.forget`` replays the draw and ``rechain.memory`` counts it); the node's
backward is written with differentiable functions, so gradients of every
order reach x, W and b.
"""

import numpy

from rechain import backend
from rechain import function_node
from rechain import random as _random
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.cast import cast
from rechain.functions.array.reshape import reshape
from rechain.functions.math.matmul import matmul
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _as(v, dtype):
    return v if v.dtype == dtype else cast(v, dtype)


class SimplifiedDropconnect(function_node.FunctionNode):
    """``y = (W * mask / (1 - ratio)) x + b`` on inputs ``(x, W[, b][, mask])``.

    ``x`` is ``(N, ...)`` (flattened to ``(N, K)``), ``W`` ``(M, K)``, ``b``
    ``(M,)`` of x's dtype; the product is computed in the promoted dtype of x
    and W and ``y`` has x's dtype. ``mask`` is ``(N, M, K)`` (batchwise) or
    ``(M, K)``, 0/1 (bool or numbers); without one every weight is kept.

    Attributes:
        mask (ndarray): The mask used (all True when none was given).
    """

    def __init__(self, ratio, use_batchwise_mask, has_b, has_mask):
        self.ratio = ratio
        self.use_batchwise_mask = use_batchwise_mask
        self._has_b = has_b
        self._has_mask = has_mask
        self._mask_shape = None

    @property
    def mask(self):
        if self._mask_shape is None:  # not run yet
            return None
        if not self._has_mask:
            return self._xp.ones(self._mask_shape, dtype=bool)
        try:
            return self.get_retained_inputs()[2].array
        except RuntimeError:  # the graph was unchained
            return None

    def _scaled_mask(self, xp, keep, dtype):
        scale = dtype.type(1.0 / (1.0 - self.ratio))
        if keep is None:
            return None if scale == 1 else scale
        m = xp.asarray(keep, dtype=dtype)
        if scale != 1:
            m *= scale
        return m

    def forward(self, inputs):
        x, W = inputs[:2]
        b = inputs[2] if self._has_b else None
        keep = inputs[-1] if self._has_mask else None
        self.retain_inputs((0, 1) + ((len(inputs) - 1,) if self._has_mask else ()))
        xp = backend.get_array_module(x, W)
        self._xp = xp
        n, (M, K) = x.shape[0], W.shape
        self._mask_shape = (n, M, K) if self.use_batchwise_mask else (M, K)
        dtype = numpy.result_type(x.dtype, W.dtype)
        x2 = x.reshape(n, K).astype(dtype, copy=False)
        Wd = W.astype(dtype, copy=False)
        m = self._scaled_mask(xp, keep, dtype)
        if keep is not None and self.use_batchwise_mask:
            y = xp.matmul(Wd * m, x2[:, :, None])[:, :, 0]
        else:
            y = x2 @ (Wd.T if m is None else (Wd * m).T)
        if b is not None:
            y = y + b
        return xp.asarray(y, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        retained = self.get_retained_inputs()
        x, W = retained[:2]
        keep = retained[2].array if self._has_mask else None
        gy, = grad_outputs
        xp = self._xp
        n, (M, K) = x.shape[0], W.shape
        dtype = numpy.result_type(x.dtype, W.dtype)
        m = self._scaled_mask(xp, keep, dtype)
        g = _as(gy, dtype)
        ret = []
        for i in indexes:
            if i == 0:
                if keep is not None and self.use_batchwise_mask:
                    Wm = broadcast_to(_as(W, dtype), (n, M, K)) * m
                    gx = reshape(matmul(reshape(g, (n, 1, M)), Wm), (n, K))
                else:
                    Wd = _as(W, dtype)
                    gx = matmul(g, Wd if m is None else Wd * m)
                ret.append(reshape(_as(gx, x.dtype), x.shape))
            elif i == 1:
                x2 = reshape(_as(x, dtype), (n, K))
                if keep is not None and self.use_batchwise_mask:
                    outer = broadcast_to(reshape(g, (n, M, 1)), (n, M, K)) * \
                        broadcast_to(reshape(x2, (n, 1, K)), (n, M, K))
                    gW = _sum(outer * m, axis=0)
                else:
                    gW = matmul(g, x2, transa=True)
                    if m is not None:
                        gW = gW * m
                ret.append(_as(gW, W.dtype))
            elif i == 2 and self._has_b:
                ret.append(_sum(gy, axis=0))
            else:
                ret.append(None)  # the mask
        return tuple(ret)


def _check(f, x, W, b, mask, use_batchwise_mask):
    type_check.expect_float(f, "x", x)
    type_check.expect_float(f, "W", W)
    type_check.expect_ndim(f, "x", x, 2, at_least=True)
    type_check.expect_ndim(f, "W", W, 2)
    k = int(numpy.prod(x.shape[1:]))
    if k != W.shape[1]:
        raise type_check.InvalidType(
            f"{f}: x's size per example ({k}, from shape {tuple(x.shape)}) must equal "
            f"W.shape[1], got W {tuple(W.shape)}")
    if b is not None:
        type_check.expect_float(f, "b", b)
        if b.ndim != 1 or b.shape[0] != W.shape[0]:
            raise type_check.InvalidType(f"{f}: b must have shape ({W.shape[0]},), got "
                                         f"{tuple(b.shape)}")
        type_check.expect_same_dtype(f, ("x", "b"), (x, b))
    if mask is not None:
        want = ((x.shape[0],) + tuple(W.shape)) if use_batchwise_mask else tuple(W.shape)
        if tuple(mask.shape) != want:
            raise type_check.InvalidType(f"{f}: mask must have shape {want}, got "
                                         f"{tuple(mask.shape)}")


def simplified_dropconnect(x, W, b=None, ratio=.5, train=True, mask=None,
                           use_batchwise_mask=True):
    """Linear layer ``y = (W * mask / (1 - ratio)) x + b`` with a random 0/1 mask.

    With ``use_batchwise_mask`` (default) every example has its own mask of
    W's shape; otherwise one mask is shared. With ``train=False`` the ratio is
    0: the weights are used as they are (times ``mask`` if one is given).
    ``x`` and ``W`` may have different float dtypes (as in Chainer): the layer
    is computed in their promoted dtype and ``y`` has ``x``'s; ``b`` has
    ``x``'s dtype.

    Args:
        x (Variable or ndarray): ``(N, ...)`` float input, flattened to ``(N, K)``.
        W (Variable or ndarray): ``(M, K)`` float weights.
        b (Variable or ndarray): ``(M,)`` bias of ``x``'s dtype, or None.
        ratio (float): Probability of dropping a weight, in [0, 1).
        train (bool): Drop weights (True) or not.
        mask (ndarray): The 0/1 mask to use instead of drawing one, of shape
            ``(N, M, K)`` (batchwise) or ``(M, K)``.
        use_batchwise_mask (bool): One mask per example.

    Returns:
        Variable: ``(N, M)``, of ``x``'s dtype.

    Example:
        >>> y = F.simplified_dropconnect(np.ones((2, 3), np.float32),
        ...                              np.ones((4, 3), np.float32), ratio=0.5)
    """
    f = "simplified_dropconnect"
    if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 <= ratio < 1:
        raise ValueError(f"{f}: ratio must be a float in [0, 1), got {ratio!r}")
    if mask is not None:
        mask = variable.as_array(mask)
    if type_check.enabled():
        _check(f, x, W, b, mask, use_batchwise_mask)
    if not train:
        ratio = 0
    xa = variable.as_array(x)
    xp = backend.get_array_module(xa)
    n, (M, K) = xa.shape[0], W.shape
    if mask is None and ratio > 0:
        mshape = (n, M, K) if use_batchwise_mask else (M, K)
        mask = _random.get_generator(xp).random(mshape) >= ratio
    inputs = (x, W) + ((b,) if b is not None else ()) + ((mask,) if mask is not None else ())
    node = SimplifiedDropconnect(float(ratio), bool(use_batchwise_mask), b is not None,
                                 mask is not None)
    return node.apply(inputs)[0]

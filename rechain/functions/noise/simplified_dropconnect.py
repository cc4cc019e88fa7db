"""simplified_dropconnect: a linear layer whose weights are dropped at random (Wan et al., 2013).

The 0/1 mask on the weights is drawn from the framework stream
(``rechain.random``) outside the graph and enters as a constant; the layer is
then a composition of differentiable functions (a batched matmul with one
masked weight matrix per example, or one linear with a shared mask), so
gradients of every order reach x, W and b and ``F.forget`` replays the mask.
"""

import numpy

from rechain import backend
from rechain import random as _random
from rechain import variable
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.cast import cast
from rechain.functions.array.reshape import reshape
from rechain.functions.connection.linear import linear
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


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
    out_dtype = x.dtype
    dtype = numpy.result_type(x.dtype, W.dtype)
    if x.dtype != dtype:
        x = cast(x, dtype)
    if W.dtype != dtype:
        W = cast(W, dtype)
    if b is not None and b.dtype != dtype:
        b = cast(b, dtype)
    y = _dropconnect(x, W, b, ratio, train, mask, use_batchwise_mask)
    return y if y.dtype == out_dtype else cast(y, out_dtype)


def _dropconnect(x, W, b, ratio, train, mask, use_batchwise_mask):
    """The layer on x, W (and b) of one dtype."""
    xa = variable.as_array(x)
    xp = backend.get_array_module(xa)
    n = xa.shape[0]
    M, K = W.shape
    mshape = (n, M, K) if use_batchwise_mask else (M, K)
    if xa.ndim != 2:
        x = reshape(x, (n, K))
    if mask is None:
        if not train:
            return linear(x, W, b)
        mask = _random.get_generator(xp).random(mshape) >= ratio
    scaled = xp.asarray(mask, dtype=W.dtype) * W.dtype.type(1.0 / (1.0 - ratio))
    if not use_batchwise_mask:
        return linear(x, W * scaled, b)
    x2 = reshape(x, (n, K, 1))
    y = reshape(matmul(broadcast_to(W, mshape) * scaled, x2), (n, M))
    if b is not None:
        y = y + broadcast_to(b, (n, M))
    return y

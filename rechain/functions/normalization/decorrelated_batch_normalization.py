"""decorrelated_batch_normalization (Huang et al. 2018) and its fixed (test-mode) form.

The channels of ``x`` ``(N, c, ...)`` are split into ``groups`` groups of
``C = c / groups``; each group, viewed as ``(C, m)`` with ``m`` the batch
and spatial positions, is centred and ZCA-whitened:
``y = V diag(w)^(-1/2) V^T (x - mean)`` with ``V diag(w) V^T`` the
covariance ``(x - mean)(x - mean)^T / m + eps I``. It is composed of
differentiable functions (the eigendecomposition is :mod:`_eigh`'s node,
whose gradient is differentiable too), so gradients of every order exist and
``F.forget`` replays it exactly.

The running statistics are Chainer's: ``running_mean`` ``(groups, C)`` and
``running_projection`` ``(groups, C, C)``, updated in place as
``decay * running + (1 - decay) * batch`` (the projection scaled by
``m / (m - 1)`` as Chainer does), not while ``config.in_recomputing``.
"""

from rechain import backend
from rechain import configuration
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.cast import cast
from rechain.functions.array.reshape import reshape
from rechain.functions.array.transpose import transpose
from rechain.functions.math.matmul import matmul
from rechain.functions.math.sum import sum as _sum
from rechain.functions.normalization._eigh import eigh
from rechain.functions.normalization.batch_normalization import _check_eps
from rechain.utils import type_check


def _grouped(x, groups):
    """``x`` ``(N, c, *s)`` as ``(groups, c / groups, N * prod(s))``, and the
    permutation that brings it there."""
    n, c = x.shape[:2]
    order = (1, 0) + tuple(range(2, x.ndim))
    m = x.size // c
    return reshape(transpose(x, order), (groups, c // groups, m)), order, m


def _ungrouped(y, shape, order):
    n, c = shape[:2]
    t = reshape(y, (c, n) + tuple(shape[2:]))
    inverse = tuple(order.index(i) for i in range(len(order)))
    return transpose(t, inverse)


def _check_x(fname, x, groups):
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{fname}: groups must be a positive int, got {groups!r}")
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        if x.ndim < 2:
            raise type_check.InvalidType(f"{fname}: x must have at least 2 dimensions "
                                         f"(batch, channels, ...), got shape {tuple(x.shape)}")
        if x.shape[1] % groups:
            raise type_check.InvalidType(f"{fname}: groups={groups} must divide the "
                                         f"{x.shape[1]} channels of x {tuple(x.shape)}")


def decorrelated_batch_normalization(x, *, groups=16, eps=2e-5, running_mean=None,
                                     running_projection=None, decay=0.9):
    """Decorrelated (ZCA-whitened) batch normalization with batch statistics.

    Args:
        x (Variable or ndarray): Input ``(N, c, ...)``.
        groups (int): Number of channel groups whitened separately; it
            divides ``c``.
        eps (float): Added to the covariance's diagonal.
        running_mean (ndarray or None): ``(groups, c / groups)``, updated in
            place.
        running_projection (ndarray or None): ``(groups, C, C)``, updated in
            place.
        decay (float): Decay of the running statistics.

    Returns:
        Variable: Same shape as ``x``; within each group the channels have
        zero mean and (up to eps) identity covariance over the batch.

    Example:
        >>> x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
        >>> y = F.decorrelated_batch_normalization(x, groups=2)
        >>> bool(abs(np.cov(y.array[:, :2].T, bias=True) - np.eye(2)).max() < 1e-3)
        True
    """
    fname = "decorrelated_batch_normalization"
    _check_x(fname, x, groups)
    _check_eps(fname, eps)
    c = x.shape[1]
    cg = c // groups
    for name, arr, shape in (("running_mean", running_mean, (groups, cg)),
                             ("running_projection", running_projection, (groups, cg, cg))):
        if arr is not None and tuple(arr.shape) != shape:
            raise type_check.InvalidType(f"{fname}: {name} must have shape {shape} for x "
                                         f"{tuple(x.shape)} and groups={groups}, got "
                                         f"{tuple(arr.shape)}")
    xg, order, m = _grouped(x, groups)
    mean = _sum(xg, axis=2, keepdims=True) * (1.0 / m)
    xc = xg - broadcast_to(mean, xg.shape)
    xp = backend.get_array_module(xc.array)
    eye = xp.eye(cg, dtype=xc.dtype) * xc.dtype.type(eps)
    cov = matmul(xc, xc, transb=True) * (1.0 / m) + eye
    w, v = eigh(cov)
    scale = broadcast_to(reshape(w ** -0.5, (groups, 1, cg)), v.shape)
    projection = matmul(v * scale, v, transb=True)     # V diag(w^-1/2) V^T
    y = matmul(projection, xc)
    if not configuration.config.in_recomputing:
        if running_mean is not None:
            running_mean *= decay
            running_mean += (1 - decay) * mean.array.reshape(groups, cg)
        if running_projection is not None:
            adjust = m / max(m - 1.0, 1.0)
            running_projection *= decay
            running_projection += ((1 - decay) * adjust) * projection.array
    return _ungrouped(y, x.shape, order)


def fixed_decorrelated_batch_normalization(x, mean, projection, groups=16):
    """Decorrelated batch normalization with given statistics (test mode).

    ``y = projection[g] (x_g - mean[g])`` per group; differentiable in all
    three inputs. Statistics of another float dtype than x are cast to x's
    (their gradients come back in their own).

    Args:
        x (Variable or ndarray): Input ``(N, c, ...)``.
        mean (Variable or ndarray): ``(groups, c / groups)``.
        projection (Variable or ndarray): ``(groups, C, C)``.
        groups (int): Number of channel groups.

    Returns:
        Variable: Same shape as ``x``.

    Example:
        >>> x = np.ones((3, 4), np.float32)
        >>> F.fixed_decorrelated_batch_normalization(
        ...     x, np.zeros((2, 2), np.float32), np.stack([np.eye(2, dtype=np.float32)] * 2),
        ...     groups=2).shape
        (3, 4)
    """
    fname = "fixed_decorrelated_batch_normalization"
    _check_x(fname, x, groups)
    cg = x.shape[1] // groups
    if type_check.enabled():
        for name, arr, shape in (("mean", mean, (groups, cg)),
                                 ("projection", projection, (groups, cg, cg))):
            type_check.expect_float(fname, name, arr)
            if tuple(arr.shape) != shape:
                raise type_check.InvalidType(f"{fname}: {name} must have shape {shape} for "
                                             f"x {tuple(x.shape)} and groups={groups}, got "
                                             f"{tuple(arr.shape)}")
    if mean.dtype != x.dtype:     # statistics kept in another float dtype
        mean = cast(mean, x.dtype)
    if projection.dtype != x.dtype:
        projection = cast(projection, x.dtype)
    xg, order, m = _grouped(x, groups)
    xc = xg - broadcast_to(reshape(mean, (groups, cg, 1)), xg.shape)
    return _ungrouped(matmul(projection, xc), x.shape, order)

"""batch_normalization (training mode) and fixed_batch_normalization (test mode)."""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.array.cast import cast
from rechain.functions.normalization._normalize import AffineNormalization, _bshape
from rechain.utils import type_check

Variable = variable.Variable


class BatchNormalization(AffineNormalization):
    """Training-mode batch normalization (statistics over ``axis``)."""

    def __init__(self, axis, eps, running_mean, running_var, decay):
        super().__init__(axis, axis, eps, running_mean, running_var, decay)


def _reduce_axes(fname, x, axis, gamma=None):
    """The normalized axes. By default (Chainer's rule) the batch axis and the
    axes after the parameter's: ``(0,) + range(1 + gamma.ndim, x.ndim)``, so a
    gamma of shape ``(3, 4)`` for x of shape ``(5, 3, 4, 2)`` normalizes over
    ``(0, 3)``."""
    if axis is None:
        k = getattr(gamma, "ndim", 1)
        return (0,) + tuple(range(1 + k, x.ndim))
    return type_check.normalize_axes(fname, axis, x.ndim)


def _check_param(fname, argname, p, x, axes, expected, dtype):
    """``p`` has the shape of x without ``axes``; with ``dtype`` set it has that
    dtype (beta and fixed statistics follow gamma), else any float dtype."""
    if p is None:
        raise TypeError(f"{fname}: {argname} is required")
    type_check.expect_array(fname, argname, p)
    if tuple(p.shape) != expected:
        raise type_check.InvalidType(
            f"{fname}: {argname} of shape {tuple(p.shape)} does not match x "
            f"{tuple(x.shape)}: expected {expected} (x.shape without the normalized "
            f"axes {axes})")
    if p.dtype.kind != "f":
        raise type_check.InvalidType(f"{fname}: {argname} must have a floating-point "
                                     f"dtype, got {p.dtype}")
    if dtype is not None and p.dtype != dtype:
        like = "like x and gamma" if dtype == x.dtype else "like gamma"
        raise type_check.InvalidType(f"{fname}: {argname} must have dtype {dtype} {like}, "
                                     f"got {p.dtype}")


def _check_eps(fname, eps):
    """eps must be a positive number: with eps <= 0 a constant channel divides by 0."""
    try:
        ok = float(eps) > 0
    except (TypeError, ValueError):
        raise TypeError(f"{fname}: eps must be a positive number, not "
                        f"{type(eps).__name__}") from None
    if not ok:
        raise ValueError(f"{fname}: eps must be positive (it is added to the variance "
                         f"before the square root), got {eps!r}")


def _check(fname, x, axes, params, free=(), mixed=True):
    """Shapes and dtypes of ``x`` and the parameters ``params`` (name, array).

    The first parameter is gamma. With ``mixed`` (Chainer's rule) gamma may
    have another float dtype than x and the rest follow gamma, except those
    named in ``free`` (running statistics, updated in place with a cast),
    which may have any float dtype. Without it everything has x's dtype.
    """
    type_check.expect_float(fname, "x", x)
    if x.ndim < 2:
        raise type_check.InvalidType(f"{fname}: x must have at least 2 dimensions "
                                     f"(batch, channels, ...), got shape {tuple(x.shape)}")
    expected = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    dtype = x.dtype
    for k, (name, p) in enumerate(params):
        if mixed and k == 0:
            _check_param(fname, name, p, x, axes, expected, None)
            dtype = p.dtype
        else:
            _check_param(fname, name, p, x, axes, expected,
                         None if name in free else dtype)


def _common_dtype(x, gamma):
    """The dtype the computation runs in: x's and gamma's promoted (Chainer's
    intermediate dtype), None when they agree (the usual, uncast path)."""
    if x.dtype == gamma.dtype:
        return None
    return numpy.promote_types(x.dtype, gamma.dtype)


def _cast_all(arrays, dtype):
    """Cast each of ``arrays`` (Variables or arrays) to ``dtype`` where it
    differs, with ``F.cast`` so that gradients flow back in its own dtype."""
    return tuple(a if a.dtype == dtype else cast(a, dtype) for a in arrays)


def _cast_back(y, dtype):
    return y if y.dtype == dtype else cast(y, dtype)


def batch_normalization(x, gamma, beta, eps=2e-5, running_mean=None, running_var=None,
                        decay=0.9, axis=None):
    """Batch normalization with the statistics of the current batch.

    ``y = gamma * (x - mean) / sqrt(var + eps) + beta`` with the (biased)
    mean and variance over ``axis``. If ``running_mean`` / ``running_var``
    are given they are updated in place:
    ``running = decay * running + (1 - decay) * batch_statistic``, the variance
    scaled by ``m / (m - 1)`` (``m`` values per channel). During the recompute
    of ``F.forget`` (``config.in_recomputing``) they are left alone, so they
    are updated once per forward.

    Args:
        x (Variable or ndarray): Input, e.g. ``(N, C)`` or ``(N, C, H, W)``.
        gamma, beta (Variable or ndarray): Scale and shift with the shape of
            ``x`` without the normalized axes (e.g. ``(C,)``).
        eps (float): Added to the variance.
        running_mean, running_var (ndarray or None): Running statistics.
        decay (float): Decay of the running statistics.
        axis (int, tuple or None): Axes to normalize over; by default the
            batch axis 0 and the axes after gamma's (``(0, 2, 3)`` for NCHW x
            and gamma ``(C,)``).

    gamma may have another float dtype than x (Chainer's rule; beta has
    gamma's): the computation then runs in the promoted dtype and ``y`` has
    x's dtype.

    Returns:
        Variable: Same shape and dtype as ``x``.

    Example:
        >>> x = np.array([[1., 2.], [3., 6.]], np.float32)
        >>> F.batch_normalization(x, np.ones(2, np.float32), np.zeros(2, np.float32)).shape
        (2, 2)
    """
    axes = _reduce_axes("batch_normalization", x, axis, gamma)
    _check_eps("batch_normalization", eps)
    if type_check.enabled():
        params = (("gamma", gamma), ("beta", beta))
        params += tuple((n, a) for n, a in (("running_mean", running_mean),
                                            ("running_var", running_var)) if a is not None)
        _check("batch_normalization", x, axes, params, free=("running_mean", "running_var"))
        m = 1
        for a in axes:
            m *= x.shape[a]
        if m == 0:
            raise type_check.InvalidType(f"batch_normalization: no values to normalize "
                                         f"over axes {axes} of x {tuple(x.shape)}")
        if m == 1:
            raise type_check.InvalidType(
                f"batch_normalization: x of shape {tuple(x.shape)} has one value per "
                f"channel over axes {axes} (a batch of one?): its variance is 0 and every "
                f"output would be beta; use a batch of at least 2 in training, or "
                f"fixed_batch_normalization (L.BatchNormalization with config.train False)")
    running_mean = variable.as_array(running_mean)
    running_var = variable.as_array(running_var)
    node = BatchNormalization(axes, eps, running_mean, running_var, decay)
    common = _common_dtype(x, gamma)
    if common is None:
        return node.apply((x, gamma, beta))[0]
    # Mixed dtypes (e.g. float16 x, float32 gamma): compute in the promoted
    # dtype, return x's; each gradient comes back in its input's dtype.
    return _cast_back(node.apply(_cast_all((x, gamma, beta), common))[0], x.dtype)


class FixedBatchNormalization(function_node.FunctionNode):
    """Inputs ``(x, gamma, beta, mean, var)``: normalization with given statistics."""

    def __init__(self, axes, eps):
        self.axes = axes
        self.eps = eps

    def forward(self, inputs):
        self.retain_inputs((0, 1, 3, 4))
        x, gamma, beta, mean, var = inputs
        xp = backend.get_array_module(x)
        pshape = _bshape(x.shape, self.axes)
        scale = gamma / xp.sqrt(var + self.eps)
        shift = beta - mean * scale
        y = x * scale.reshape(pshape)
        y += shift.reshape(pshape)
        return y,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return (None,) * len(indexes)
        x, gamma, mean, var = self.get_retained_inputs()
        as_vars = configuration.config.enable_backprop
        if not as_vars:
            x, gamma, mean, var, gy = x.array, gamma.array, mean.array, var.array, gy.array
        pshape = _bshape(x.shape, self.axes)
        pax = self.axes
        inv_std = (var + self.eps) ** -0.5
        scale = gamma * inv_std
        ret = []
        gbeta = ggamma = None
        for i in indexes:
            if i == 0:
                g = gy * scale.reshape(pshape)
            else:
                if gbeta is None:
                    gbeta = gy.sum(axis=pax).reshape(gamma.shape)
                    ggamma = _sum_gy_x_hat(x, mean.reshape(pshape), inv_std.reshape(pshape),
                                           gy, pax, as_vars).reshape(gamma.shape)
                if i == 1:
                    g = ggamma
                elif i == 2:
                    g = gbeta
                elif i == 3:   # d y / d mean = -gamma * inv_std
                    g = -(gbeta * scale)
                else:          # d y / d var = -(gamma / 2) * (x - mean) * inv_std^3
                    g = ggamma * scale * inv_std * -0.5
            ret.append(g if as_vars else Variable._constant(g))
        return tuple(ret)


def _sum_gy_x_hat(x, mean, inv_std, gy, axes, as_vars):
    """``(gy * (x - mean) * inv_std).sum(axes)``; on arrays with one temporary
    of x's size, updated in place (the same operations, so the same bits)."""
    if as_vars:
        return (gy * ((x - mean) * inv_std)).sum(axis=axes)
    t = x - mean
    t *= inv_std
    t *= gy
    return t.sum(axis=axes)


def fixed_batch_normalization(x, gamma, beta, mean, var, eps=2e-5, axis=None):
    """Batch normalization with fixed statistics (inference mode).

    ``y = gamma * (x - mean) / sqrt(var + eps) + beta``; differentiable with
    respect to all five inputs.

    Args:
        x (Variable or ndarray): Input.
        gamma, beta, mean, var (Variable or ndarray): Shape of ``x`` without
            the normalized axes (e.g. ``(C,)``).
        eps (float): Added to the variance.
        axis (int, tuple or None): Normalized axes; by default the batch axis
            0 and those after gamma's.

    As in :func:`batch_normalization`, gamma (and beta, mean, var with it) may
    have another float dtype than x.

    Returns:
        Variable: Same shape as ``x``.

    Example:
        >>> c = np.ones(2, np.float32)
        >>> F.fixed_batch_normalization(np.ones((3, 2), np.float32), c, c, c, c).shape
        (3, 2)
    """
    axes = _reduce_axes("fixed_batch_normalization", x, axis, gamma)
    _check_eps("fixed_batch_normalization", eps)
    if type_check.enabled():
        _check("fixed_batch_normalization", x, axes,
               (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var)))
    node = FixedBatchNormalization(axes, eps)
    common = _common_dtype(x, gamma)
    if common is None:
        return node.apply((x, gamma, beta, mean, var))[0]
    return _cast_back(node.apply(_cast_all((x, gamma, beta, mean, var), common))[0],
                      x.dtype)

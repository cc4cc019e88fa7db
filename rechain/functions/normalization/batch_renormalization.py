"""batch_renormalization (Ioffe 2017) and fixed_batch_renormalization.

Batch renormalization corrects the batch statistics towards the running ones:
``y = gamma * (x_hat * r + d) + beta`` with ``x_hat`` normalized by the batch
mean and standard deviation, ``r = clip(std / running_std, 1/rmax, rmax)``
and ``d = clip((mean - running_mean) / running_std, -dmax, dmax)``, where r
and d are constants for the gradient (the paper's "stop gradient"). That is
batch normalization with scale ``gamma * r`` and shift ``gamma * d + beta``,
which is how it is computed here: the node, its differentiable backward and
the running-statistics update are those of :func:`batch_normalization`.

Note [renormalization under recompute]: r and d read the running statistics
as they were before this forward updated them. When ``F.forget`` replays the
forward (``config.in_recomputing``) the statistics have been updated already,
so the values from before the update are kept, per running-mean array, from
the last updating call and used by the replay, which gives the first pass's
r and d and so its outputs and gradients exactly. (A layer used twice in one
forgotten function would replay both calls with the second's values.)
"""

import warnings
import weakref

import numpy

from rechain import backend
from rechain import configuration
from rechain import variable
from rechain.functions.normalization.batch_normalization import (
    _check, _check_eps, _reduce_axes, batch_normalization, fixed_batch_normalization)
from rechain.utils import type_check

# id(running_mean) -> (weakref to it, running_mean copy, running_var copy)
_before_update = {}


def _remember(running_mean, running_var):
    key = id(running_mean)

    def forget(_, key=key):
        _before_update.pop(key, None)
    _before_update[key] = (weakref.ref(running_mean, forget), running_mean.copy(),
                           running_var.copy())


def _remembered(running_mean, running_var):
    entry = _before_update.get(id(running_mean))
    if entry is not None and entry[0]() is running_mean:
        return entry[1], entry[2]
    return running_mean, running_var


def batch_renormalization(x, gamma, beta, rmax, dmax, eps=2e-5, running_mean=None,
                          running_var=None, decay=0.9, update_statistics=False):
    """Batch renormalization (training mode).

    ``y = gamma * ((x - mean) / std * r + d) + beta`` with the batch ``mean``
    and ``std = sqrt(var + eps)`` over the batch axis and the axes after
    gamma's, and ``r``, ``d`` (constants for the gradient) as in the module
    docstring.

    Args:
        x (Variable or ndarray): Input ``(N, *gamma.shape, ...)``.
        gamma, beta (Variable or ndarray): Scale and shift.
        rmax (float): Largest correction of the scale (at least 1).
        dmax (float): Largest correction of the shift (at least 0).
        eps (float): Added to the variances.
        running_mean, running_var (ndarray): Running statistics; required.
        decay (float): Decay of the running statistics.
        update_statistics (bool): Update the running statistics in place as
            :func:`batch_normalization` does (not while recomputing).

    Returns:
        Variable: Same shape and dtype as ``x``.

    Example:
        >>> x = np.array([[1., 2.], [3., 6.]], np.float32)
        >>> c = np.ones(2, np.float32)
        >>> F.batch_renormalization(x, c, 0 * c, 1.5, 0.5, running_mean=0 * c,
        ...                         running_var=c.copy()).shape
        (2, 2)
    """
    fname = "batch_renormalization"
    if running_mean is None:
        raise TypeError(f"{fname}: running_mean is required")
    if running_var is None:
        raise TypeError(f"{fname}: running_var is required")
    _check_eps(fname, eps)
    try:
        rmax, dmax = float(rmax), float(dmax)
    except (TypeError, ValueError):
        raise TypeError(f"{fname}: rmax and dmax must be numbers, got {rmax!r} and "
                        f"{dmax!r}") from None
    if not rmax >= 1:
        raise ValueError(f"{fname}: rmax must be at least 1, got {rmax}")
    if not dmax >= 0:
        raise ValueError(f"{fname}: dmax must be non-negative, got {dmax}")
    running_mean = variable.as_array(running_mean)
    running_var = variable.as_array(running_var)
    axes = _reduce_axes(fname, x, None, gamma)
    if type_check.enabled():
        _check(fname, x, axes, (("gamma", gamma), ("beta", beta),
                                ("running_mean", running_mean), ("running_var", running_var)),
               free=("running_mean", "running_var"))
    recomputing = configuration.config.in_recomputing
    update = bool(update_statistics) and not recomputing
    if recomputing:   # Note [renormalization under recompute]
        rm, rv = _remembered(running_mean, running_var)
    else:
        rm, rv = running_mean, running_var
        if update:
            _remember(running_mean, running_var)
    xa = variable.as_array(x)
    xp = backend.get_array_module(xa)
    pdtype = gamma.dtype
    dtype = numpy.promote_types(xa.dtype, pdtype)
    mean = xa.mean(axis=axes, dtype=dtype).reshape(gamma.shape)
    std = xp.sqrt(xa.var(axis=axes, dtype=dtype).reshape(gamma.shape) + eps)
    running_std = xp.sqrt(rv.astype(dtype) + eps)
    r = xp.clip(std / running_std, 1.0 / rmax, rmax).astype(pdtype)
    d = xp.clip((mean - rm.astype(dtype)) / running_std, -dmax, dmax).astype(pdtype)
    scale = gamma * r
    shift = gamma * d + beta
    if update:
        return batch_normalization(x, scale, shift, eps=eps, running_mean=running_mean,
                                   running_var=running_var, decay=decay)
    return batch_normalization(x, scale, shift, eps=eps)


def fixed_batch_renormalization(x, gamma, beta, mean, var, eps=2e-5):
    """Batch renormalization in test mode: :func:`fixed_batch_normalization`.

    Deprecated in Chainer (it warns), kept for its users.

    Example:
        >>> c = np.ones(2, np.float32)
        >>> F.fixed_batch_renormalization(np.ones((3, 2), np.float32), c, c, c, c).shape
        (3, 2)
    """
    warnings.warn("fixed_batch_renormalization is deprecated; use "
                  "fixed_batch_normalization", DeprecationWarning, stacklevel=2)
    return fixed_batch_normalization(x, gamma, beta, mean, var, eps)

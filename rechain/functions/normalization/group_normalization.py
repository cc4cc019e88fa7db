"""group_normalization: normalize each sample over groups of channels (Wu & He 2018).

The channels of ``x`` ``(N, C, ...)`` are split into ``groups`` consecutive
groups; each sample's group is normalized with its own mean and variance over
its channels and spatial positions, then every channel is scaled by
``gamma[c]`` and shifted by ``beta[c]``. It is the affine normalization of
:mod:`_normalize` on ``x`` viewed as ``(N, G, C / G, S)``: statistics over
axes (2, 3), gamma and beta viewed as ``(G, C / G)`` broadcast over axes
(0, 3); so it shares its node, its differentiable backward and what it
keeps (x, gamma and the ``N * G`` statistics).
"""

from rechain.functions.array.reshape import reshape
from rechain.functions.normalization._normalize import AffineNormalization
from rechain.functions.normalization.batch_normalization import (_cast_all, _cast_back,
                                                                  _check_eps, _common_dtype)
from rechain.utils import type_check


class GroupNormalization(AffineNormalization):
    """Inputs ``(x, gamma, beta)`` viewed as ``(N, G, C/G, S)`` and ``(G, C/G)``."""

    def __init__(self, eps):
        super().__init__((2, 3), (0, 3), eps)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) or (
        hasattr(v, "dtype") and getattr(v, "ndim", 1) == 0 and v.dtype.kind in "iu")


def group_normalization(x, groups, gamma, beta, eps=1e-5):
    """Group normalization.

    ``y[n, c] = gamma[c] * (x[n, c] - mean[n, g(c)]) / sqrt(var[n, g(c)] + eps)
    + beta[c]``, the statistics over the channels of group ``g(c)`` and all
    spatial positions of sample ``n``.

    Args:
        x (Variable or ndarray): Input ``(N, C, ...)``.
        groups (int): Number of channel groups; it divides ``C``.
        gamma, beta (Variable or ndarray): Scale and shift ``(C,)``; they may
            have another float dtype than ``x`` (computed in the promoted
            dtype; ``y`` has x's).
        eps (float): Added to the variance.

    Returns:
        Variable: Same shape and dtype as ``x``.

    Example:
        >>> x = np.arange(8, dtype=np.float32).reshape(1, 4, 2)
        >>> F.group_normalization(x, 2, np.ones(4, np.float32), np.zeros(4, np.float32)).shape
        (1, 4, 2)
    """
    fname = "group_normalization"
    _check_eps(fname, eps)
    if not _is_int(groups):
        raise TypeError(f"{fname}: groups must be an int, got {groups!r}")
    if int(groups) < 1:
        raise ValueError(f"{fname}: groups must be positive, got {groups!r}")
    groups = int(groups)
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        if x.ndim < 2:
            raise type_check.InvalidType(f"{fname}: x must have at least 2 dimensions "
                                         f"(batch, channels, ...), got shape {tuple(x.shape)}")
        c = x.shape[1]
        if c % groups:
            raise type_check.InvalidType(f"{fname}: groups={groups} must divide the "
                                         f"{c} channels of x {tuple(x.shape)}")
        for name, p in (("gamma", gamma), ("beta", beta)):
            type_check.expect_float(fname, name, p)
            if tuple(p.shape) != (c,):
                raise type_check.InvalidType(f"{fname}: {name} of shape {tuple(p.shape)} "
                                             f"does not match x {tuple(x.shape)}: expected "
                                             f"({c},)")
        if beta.dtype != gamma.dtype:
            raise type_check.InvalidType(f"{fname}: beta must have dtype {gamma.dtype} like "
                                         f"gamma, got {beta.dtype}")
    n, c = x.shape[:2]
    s = 1
    for d in x.shape[2:]:
        s *= d
    shape = x.shape
    xr = reshape(x, (n, groups, c // groups, s))
    gr = reshape(gamma, (groups, c // groups))
    br = reshape(beta, (groups, c // groups))
    common = _common_dtype(x, gamma)
    if common is None:
        y = GroupNormalization(eps).apply((xr, gr, br))[0]
    else:
        y = _cast_back(GroupNormalization(eps).apply(_cast_all((xr, gr, br), common))[0],
                       x.dtype)
    return reshape(y, shape)

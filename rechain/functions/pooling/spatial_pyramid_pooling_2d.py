"""spatial_pyramid_pooling_2d: a fixed-length vector from any image size (He et al. 2014).

Level ``i`` max-pools the image into a ``2^i x 2^i`` grid (window
``ceil(size / 2^i)``, stride the window, the remainder padded on both
sides); the levels' outputs are flattened and concatenated along the
channels. It is made of :func:`max_pooling_2d`, reshape and concat, so its
gradients of every order are theirs.
"""

import math

from rechain.functions.array.concat import concat
from rechain.functions.array.reshape import reshape
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d
from rechain.utils import type_check


def spatial_pyramid_pooling_2d(x, pyramid_height, pooling=None):
    """Spatial pyramid (max) pooling of NCHW images.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        pyramid_height (int): Number of levels (at least 1).
        pooling (str): ``'max'``, the only pooling; it must be given (as in
            Chainer, where it replaced an older argument).

    Returns:
        Variable: ``(N, C * sum_i 4^i, 1, 1)``.

    Example:
        >>> F.spatial_pyramid_pooling_2d(np.ones((2, 3, 9, 8), np.float32), 3,
        ...                              pooling='max').shape
        (2, 63, 1, 1)
    """
    fname = "spatial_pyramid_pooling_2d"
    if pooling is None:
        raise ValueError(f"{fname}: pooling must be given; the only one is 'max'")
    if pooling != "max":
        raise ValueError(f"{fname}: unsupported pooling {pooling!r}; the only one is 'max'")
    if isinstance(pyramid_height, bool) or not isinstance(pyramid_height, int) \
            or pyramid_height < 1:
        raise ValueError(f"{fname}: pyramid_height must be a positive int, got "
                         f"{pyramid_height!r}")
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        if x.ndim != 4:
            raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                         f"{tuple(x.shape)}")
        side = 2 ** (pyramid_height - 1)
        if x.shape[2] < side or x.shape[3] < side:
            raise type_check.InvalidType(
                f"{fname}: x {tuple(x.shape)} is smaller than the finest grid "
                f"{(side, side)} of {pyramid_height} levels")
    n, c, h, w = x.shape
    ys = []
    for level in range(pyramid_height):
        bins = 2 ** level
        kh, kw = math.ceil(h / bins), math.ceil(w / bins)
        pad = ((kh * bins - h) // 2, (kw * bins - w) // 2)
        if pad[0] >= kh or pad[1] >= kw:
            raise type_check.InvalidType(
                f"{fname}: at level {level} the {bins}x{bins} grid of x {tuple(x.shape)} "
                f"has windows {(kh, kw)} lying wholly in the padding {pad}; use fewer "
                f"levels or a larger input")
        y = max_pooling_2d(x, (kh, kw), None, pad, cover_all=True)
        ys.append(reshape(y, (n, -1, 1, 1)))
    return concat(ys, axis=1)

"""shift: the zero-FLOP spatial shift of channel groups (Wu et al., 2018).

The channels are split into ``kh * kw`` groups and each group is moved by one
offset of the kernel window (zeros fill in); the centre offset's group comes
last. Built from pad, slices and concat, so every order is differentiable.
(Chainer files it under connection functions.)
"""

from rechain.functions.array import _util
from rechain.functions.array.concat import concat
from rechain.functions.array.pad import pad
from rechain.utils import type_check


def _pair(v, f, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 2 or not all(_util.is_int(a) for a in v):
            raise ValueError(f"{f}: {name} must be an int or a pair of ints, got {v!r}")
        return int(v[0]), int(v[1])
    if not _util.is_int(v):
        raise ValueError(f"{f}: {name} must be an int or a pair of ints, got {v!r}")
    return int(v), int(v)


def shift(x, ksize=3, dilate=1):
    """Shift each channel group of ``x`` by one offset of a ``ksize`` window.

    Group ``i`` (channels ``i * (C // G)`` up to the next group; the last
    takes the rest) moves by the window offset numbered ``i``, numbering
    the offsets row by row with the centre and the last swapped, scaled by
    ``dilate``: ``y[..., r, c] = x[..., r - ky * dy, c - kx * dx]`` (0 outside).

    Args:
        x (Variable or ndarray): ``(N, C, H, W)`` float input, ``C >= kh * kw``.
        ksize (int or pair): Odd window size.
        dilate (int or pair): Non-zero step between offsets.

    Returns:
        Variable: Of ``x``'s shape.

    Example:
        >>> F.shift(np.ones((1, 9, 3, 3), np.float32)).shape
        (1, 9, 3, 3)
    """
    f = "shift"
    _util.check_input(f, x)
    kh, kw = _pair(ksize, f, "ksize")
    dy, dx = _pair(dilate, f, "dilate")
    if kh % 2 != 1 or kw % 2 != 1 or kh < 1 or kw < 1:
        raise ValueError(f"{f}: ksize must be odd, got {ksize!r}")
    if dy == 0 or dx == 0:
        raise ValueError(f"{f}: dilate must be non-zero, got {dilate!r}")
    type_check.expect_float(f, "x", x)
    type_check.expect_ndim(f, "x", x, 4)
    n, c, h, w = x.shape
    groups = kh * kw
    if c < groups:
        raise type_check.InvalidType(f"{f}: x must have at least kh * kw = {groups} channels, "
                                     f"got shape {tuple(x.shape)}")
    py, px = kh // 2 * abs(dy), kw // 2 * abs(dx)
    xpad = pad(x, ((0, 0), (0, 0), (py, py), (px, px)))
    size = c // groups
    centre = (groups - 1) // 2
    parts = []
    for i in range(groups):
        g = groups - 1 if i == centre else centre if i == groups - 1 else i
        ky, kx = g // kw - kh // 2, g % kw - kw // 2
        hs, ws = py - ky * dy, px - kx * dx
        ce = (i + 1) * size if i < groups - 1 else c
        parts.append(xpad[:, i * size:ce, hs:hs + h, ws:ws + w])
    return concat(parts, axis=1)

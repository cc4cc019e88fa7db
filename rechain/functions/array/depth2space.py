"""depth2space and space2depth: move channel blocks to space and back (sub-pixel layers).

Both are a reshape, a transpose and a reshape, so each one's gradient is the
other, and every order is differentiable.
"""

from rechain.functions.array import _util
from rechain.functions.array.reshape import reshape
from rechain.functions.array.transpose import transpose
from rechain.utils import type_check


def _check(f, X, r):
    _util.check_input(f, X, "X")
    type_check.expect_float(f, "X", X)
    type_check.expect_ndim(f, "X", X, 4)
    if not _util.is_int(r) or r < 1:
        raise ValueError(f"{f}: r must be a positive int, got {r!r}")


def depth2space(X, r):
    """Rearrange ``(N, C * r * r, H, W)`` into ``(N, C, H * r, W * r)``.

    ``y[n, c, h * r + i, w * r + j] = X[n, (i * r + j) * C + c, h, w]``, as Chainer
    (and TensorFlow's depth_to_space in NCHW).

    Args:
        X (Variable or ndarray): 4-d float input; its channels must be a multiple of ``r**2``.
        r (int): Upscaling factor.

    Returns:
        Variable: ``(N, C, H * r, W * r)``.

    Example:
        >>> F.depth2space(np.arange(4, dtype=np.float32).reshape(1, 4, 1, 1), 2).array
        array([[[[0., 1.],
                 [2., 3.]]]], dtype=float32)
    """
    f = "depth2space"
    _check(f, X, r)
    n, c, h, w = X.shape
    if c % (r * r):
        raise type_check.InvalidType(f"{f}: X's channels ({c}, shape {tuple(X.shape)}) must be "
                                     f"a multiple of r**2 = {r * r}")
    c //= r * r
    y = reshape(X, (n, r, r, c, h, w))
    y = transpose(y, (0, 3, 4, 1, 5, 2))
    return reshape(y, (n, c, h * r, w * r))


def space2depth(X, r):
    """Rearrange ``(N, C, H * r, W * r)`` into ``(N, C * r * r, H, W)``, undoing depth2space.

    Args:
        X (Variable or ndarray): 4-d float input; height and width must be multiples of ``r``.
        r (int): Downscaling factor.

    Returns:
        Variable: ``(N, C * r * r, H, W)``.

    Example:
        >>> F.space2depth(np.arange(4, dtype=np.float32).reshape(1, 1, 2, 2), 2).array.ravel()
        array([0., 1., 2., 3.], dtype=float32)
    """
    f = "space2depth"
    _check(f, X, r)
    n, c, h, w = X.shape
    if h % r or w % r:
        raise type_check.InvalidType(f"{f}: X's height and width (shape {tuple(X.shape)}) must "
                                     f"be multiples of r = {r}")
    y = reshape(X, (n, c, h // r, r, w // r, r))
    y = transpose(y, (0, 3, 5, 1, 2, 4))
    return reshape(y, (n, r * r * c, h // r, w // r))

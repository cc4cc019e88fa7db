"""local_convolution_2d: a convolution whose filter differs at every output position.

``y[n, o, i, j] = b[o, i, j] + sum_{c, u, v} W[o, i, j, c, u, v] *
x[n, c, i * sy + u, j * sx + v]`` (no padding). Computed as one batched
matrix product per output position on the windows of x
(:mod:`_patches`), all with differentiable functions.
"""

from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.cast import cast
from rechain.functions.array.reshape import reshape
from rechain.functions.array.transpose import transpose
from rechain.functions.connection import _conv_util as cu
from rechain.functions.connection._patches import patches
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


def local_convolution_2d(x, W, b=None, stride=1):
    """Two-dimensional local (unshared-weight) convolution.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        W (Variable or ndarray): Filters ``(out_c, out_h, out_w, C, kh, kw)``,
            one per output position; ``out_h = (H - kh) // sy + 1`` and
            likewise ``out_w``.
        b (Variable, ndarray or None): Bias ``(out_c, out_h, out_w)``, x's dtype.
        stride (int or pair): Stride.

    W may have another float dtype than x (as in Chainer): the product is
    computed in x's dtype and W's gradient comes back in its own.

    Returns:
        Variable: ``(N, out_c, out_h, out_w)``, x's dtype.

    Example:
        >>> F.local_convolution_2d(np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3, 3, 3)),
        ...                        np.zeros((4, 3, 3))).shape
        (2, 4, 3, 3)
    """
    fname = "local_convolution_2d"
    sy, sx = cu.pair(stride, fname, "stride")
    if sy < 1 or sx < 1:
        raise ValueError(f"{fname}: stride must be positive, got {(sy, sx)}")
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        type_check.expect_float(fname, "W", W)
        if x.ndim != 4:
            raise type_check.InvalidType(f"{fname}: x must be 4-d (N, C, H, W), got shape "
                                         f"{tuple(x.shape)}")
        if W.ndim != 6:
            raise type_check.InvalidType(f"{fname}: W must be 6-d (out_c, out_h, out_w, C, "
                                         f"kh, kw), got shape {tuple(W.shape)}")
        if W.shape[3] != x.shape[1]:
            raise type_check.InvalidType(f"{fname}: W {tuple(W.shape)} has {W.shape[3]} "
                                         f"input channels (axis 3), but x {tuple(x.shape)} "
                                         f"has {x.shape[1]}")
        kh, kw = W.shape[4:]
        out = ((x.shape[2] - kh) // sy + 1, (x.shape[3] - kw) // sx + 1)
        if tuple(W.shape[1:3]) != out:
            raise type_check.InvalidType(
                f"{fname}: W {tuple(W.shape)} has {tuple(W.shape[1:3])} output positions, but "
                f"x {tuple(x.shape)} with kernel {(kh, kw)} and stride {(sy, sx)} gives {out}")
        if b is not None:
            if tuple(b.shape) != tuple(W.shape[:3]):
                raise type_check.InvalidType(f"{fname}: b must have shape {tuple(W.shape[:3])}"
                                             f" (W.shape[:3]), got {tuple(b.shape)}")
            if b.dtype != x.dtype:
                raise type_check.InvalidType(f"{fname}: b must have dtype {x.dtype}, got "
                                             f"{b.dtype}")
    if W.dtype != x.dtype:   # Chainer's rule: W may be of another float dtype
        W = cast(W, x.dtype)
    n, c = x.shape[:2]
    oc, oh, ow, _, kh, kw = W.shape
    k, p = c * kh * kw, oh * ow
    col = patches(x, (kh, kw), (sy, sx), (0, 0), (oh, ow))     # (N, C, kh, kw, oh, ow)
    cols = transpose(reshape(col, (n, k, p)), (2, 0, 1))        # (P, N, K)
    w = transpose(reshape(W, (oc, p, k)), (1, 2, 0))            # (P, K, O)
    y = transpose(matmul(cols, w), (1, 2, 0))                   # (N, O, P)
    y = reshape(y, (n, oc, oh, ow))
    if b is not None:
        y = y + broadcast_to(reshape(b, (1, oc, oh, ow)), y.shape)
    return y


class LocalConvolution2DFunction:
    """Chainer's node of local convolution, kept for code that applies it
    directly: ``LocalConvolution2DFunction(stride).apply((x, W[, b]))`` is
    ``(local_convolution_2d(x, W, b, stride),)`` (here a composition of
    nodes, not one node)."""

    def __init__(self, stride=1):
        self.stride = stride

    def apply(self, inputs):
        return local_convolution_2d(*inputs, stride=self.stride),

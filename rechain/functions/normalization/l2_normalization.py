"""normalize: L2 normalization of vectors along an axis.

``y = x / (||x|| + eps)`` with the norm over ``axis`` (eps is added to the
norm, not under the square root, as in Chainer). The node keeps ``x`` only;
its backward is written with differentiable functions, so double backprop
works. For a zero vector the derivative is ``1 / eps``: the norm's own
derivative, undefined there (0 in the limit), is replaced by 0 with the norm
taken as a constant, so no NaN appears at any order.
"""

from rechain import backend
from rechain import function_node
from rechain.functions.math.sqrt import sqrt
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


class NormalizeL2(function_node.FunctionNode):
    """``x / (||x||_axis + eps)``; keeps ``x``."""

    def __init__(self, eps, axis):
        self.eps = eps
        self.axis = axis

    def forward(self, inputs):
        self.retain_inputs((0,))
        x, = inputs
        xp = backend.get_array_module(x)
        norm = xp.sqrt(xp.square(x).sum(axis=self.axis, keepdims=True))
        norm += x.dtype.type(self.eps)
        return x / norm,

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        if gy is None:
            return None,
        x, = self.get_retained_inputs()
        sq = _sum(x * x, axis=self.axis, keepdims=True)
        zero = sq.array == 0
        if zero.any():   # zero vectors: a norm of 1 under the root, masked after
            zero = zero.astype(x.dtype)
            safe = sqrt(sq + zero)
            n = safe * (1 - zero) + self.eps
            proj = _sum(x * gy, axis=self.axis, keepdims=True) / safe * (1 - zero)
        else:
            safe = sqrt(sq)
            n = safe + self.eps
            proj = _sum(x * gy, axis=self.axis, keepdims=True) / safe
        # d y = (gy * n - x * <x, gy> / ||x||) / n^2 with n = ||x|| + eps
        return (gy * n - x * proj) / (n * n),


def normalize(x, eps=1e-5, axis=1):
    """L2 normalization: ``x / (sqrt(sum(x ** 2, axis)) + eps)``.

    Args:
        x (Variable or ndarray): Input, e.g. ``(N, D)``.
        eps (float): Added to the norm; keeps zero vectors finite.
        axis (int or tuple of ints): Axes of the vectors.

    Returns:
        Variable: Same shape as ``x``.

    Example:
        >>> F.normalize(np.array([[3., 4.], [0., 0.]], np.float32)).array
        array([[0.599999 , 0.7999987],
               [0.       , 0.       ]], dtype=float32)
    """
    fname = "normalize"
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
    try:
        ok = float(eps) >= 0
    except (TypeError, ValueError):
        raise TypeError(f"normalize: eps must be a number, not {type(eps).__name__}") from None
    if not ok:
        raise ValueError(f"normalize: eps must be non-negative, got {eps!r}")
    axes = type_check.normalize_axes(fname, axis, x.ndim, shape=x.shape)
    return NormalizeL2(float(eps), axes).apply((x,))[0]

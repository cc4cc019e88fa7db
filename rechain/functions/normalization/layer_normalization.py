"""layer_normalization: normalize each sample over its features."""

from rechain.functions.normalization._normalize import AffineNormalization
from rechain.utils import type_check


class LayerNormalization(AffineNormalization):
    """Statistics over axis 1 of a 2-d input; gamma and beta per feature."""

    def __init__(self, eps):
        super().__init__((1,), (0,), eps)


def layer_normalization(x, gamma, beta, eps=1e-5):
    """Layer normalization of a batch of feature vectors.

    ``y[n] = gamma * (x[n] - mean(x[n])) / sqrt(var(x[n]) + eps) + beta``.

    Args:
        x (Variable or ndarray): Input ``(N, C)``.
        gamma, beta (Variable or ndarray): Scale and shift ``(C,)``.
        eps (float): Added to the variance.

    Returns:
        Variable: ``(N, C)``.

    Example:
        >>> c = np.ones(3, np.float32)
        >>> F.layer_normalization(np.arange(6, dtype=np.float32).reshape(2, 3), c, c * 0).shape
        (2, 3)
    """
    if type_check.enabled():
        fname = "layer_normalization"
        type_check.expect_float(fname, "x", x)
        if x.ndim != 2:
            raise type_check.InvalidType(f"{fname}: x must be 2-d (batch, features), got "
                                         f"shape {tuple(x.shape)}")
        for name, p in (("gamma", gamma), ("beta", beta)):
            if tuple(p.shape) != (x.shape[1],):
                raise type_check.InvalidType(
                    f"{fname}: {name} of shape {tuple(p.shape)} does not match x "
                    f"{tuple(x.shape)}: expected ({x.shape[1]},)")
            if p.dtype != x.dtype:
                raise type_check.InvalidType(f"{fname}: {name} must have dtype {x.dtype} "
                                             f"like x, got {p.dtype}")
    return LayerNormalization(eps).apply((x, gamma, beta))[0]

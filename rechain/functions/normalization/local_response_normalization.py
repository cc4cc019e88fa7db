"""local_response_normalization: normalise each channel by its neighbours' energy."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


def _window_sum(x, half):
    """``s[:, c] = sum of x[:, c - half .. c + half]`` (channels outside dropped)."""
    s = x.copy()
    for i in range(1, half + 1):
        s[:, i:] += x[:, :-i]
        s[:, :-i] += x[:, i:]
    return s


class ChannelWindowSum(function_node.FunctionNode):
    """Sum over a window of ``2 * half + 1`` channels centred on each channel.

    The window is symmetric, so the operator is its own adjoint: its
    gradient is the same window sum of ``gy``.
    """

    def __init__(self, half):
        self.half = half

    def forward(self, inputs):
        x, = inputs
        return _window_sum(x, self.half),

    def backward(self, indexes, grad_outputs):
        return ChannelWindowSum(self.half).apply(grad_outputs)


class LocalResponseNormalization(function_node.FunctionNode):
    """``y = x * (k + alpha * window_sum(x ** 2)) ** -beta``; retains ``x`` only."""

    def __init__(self, n, k, alpha, beta):
        self.half = n // 2
        self.k = k
        self.alpha = alpha
        self.beta = beta

    @property
    def label(self):
        return "LocalResponseNormalization"

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        unit = _window_sum(x * x, self.half)
        unit *= self.alpha
        unit += self.k
        return xp.asarray(x * unit ** -self.beta, dtype=x.dtype),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        window = ChannelWindowSum(self.half)
        unit = window.apply((x * x,))[0] * self.alpha + self.k
        scale = unit ** -self.beta
        inner = ChannelWindowSum(self.half).apply((gy * x * scale / unit,))[0]
        return gy * scale - (2 * self.alpha * self.beta) * x * inner,


def local_response_normalization(x, n=5, k=2, alpha=1e-4, beta=.75):
    """Local response normalization across channels (Krizhevsky et al., 2012).

    ``y[:, c] = x[:, c] / (k + alpha * sum_{c'} x[:, c'] ** 2) ** beta``, the sum
    over the channels ``c'`` with ``|c' - c| <= n // 2`` that exist.

    Args:
        x (Variable or ndarray): Input ``(N, C, ...)`` of a floating-point dtype.
        n (int): Window size (channels); the window spans ``n // 2`` on each side.
        k (float): Additive constant.
        alpha (float): Factor of the sum of squares.
        beta (float): Exponent.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> F.local_response_normalization(np.ones((1, 3, 1, 1), np.float32)).shape
        (1, 3, 1, 1)
    """
    fname = "local_response_normalization"
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)
        if x.ndim < 2:
            raise type_check.InvalidType(f"{fname}: x must have at least 2 dimensions "
                                         f"(N, C, ...), got shape {tuple(x.shape)}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{fname}: n must be a positive int, got {n!r}")
    return LocalResponseNormalization(n, float(k), float(alpha), float(beta)).apply((x,))[0]

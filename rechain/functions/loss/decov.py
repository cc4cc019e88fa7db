"""decov: the DeCov penalty on correlated hidden units (Cogswell et al., 2016)."""

from rechain import backend
from rechain import variable
from rechain.functions.loss._reduce import check_reduce
from rechain.functions.math.matmul import matmul
from rechain.functions.math.sum import mean, sum as _sum
from rechain.utils import type_check


def decov(h, reduce="half_squared_sum"):
    """DeCov loss: half the squared Frobenius norm of ``h``'s off-diagonal covariance.

    ``C = (h - mean(h, 0)).T @ (h - mean(h, 0)) / N`` with its diagonal zeroed.

    Args:
        h (Variable or ndarray): ``(N, M)`` float activations.
        reduce (str): ``'half_squared_sum'`` (default, ``sum(C**2) / 2``) or
            ``'no'`` (the ``(M, M)`` matrix ``C``).

    Returns:
        Variable: 0-d, or ``(M, M)`` with ``reduce='no'``.

    Example:
        >>> F.decov(np.array([[1., 1.], [-1., -1.]], np.float32)).array
        array(1., dtype=float32)
    """
    f = "decov"
    check_reduce(f, reduce, ("half_squared_sum", "no"))
    if type_check.enabled():
        type_check.expect_float(f, "h", h)
        type_check.expect_ndim(f, "h", h, 2)
    xp = backend.get_array_module(variable.as_array(h))
    hc = h - mean(h, axis=0, keepdims=True)
    off = 1 - xp.eye(h.shape[1], dtype=h.dtype)
    cov = matmul(hc, hc, transa=True) * off * (1.0 / max(h.shape[0], 1))
    if reduce == "half_squared_sum":
        return _sum(cov * cov) * 0.5
    return cov

"""cross_covariance: the cross-covariance penalty between two sets of units."""

from rechain.functions.loss._reduce import check_reduce
from rechain.functions.math.matmul import matmul
from rechain.functions.math.sum import mean, sum as _sum
from rechain.utils import type_check


def cross_covariance(y, z, reduce="half_squared_sum"):
    """Half the squared Frobenius norm of the cross-covariance of ``y`` and ``z``.

    ``C = (y - mean(y, 0)).T @ (z - mean(z, 0)) / N``.

    Args:
        y (Variable or ndarray): ``(N, M)`` float.
        z (Variable or ndarray): ``(N, K)`` of ``y``'s dtype.
        reduce (str): ``'half_squared_sum'`` (default, ``sum(C**2) / 2``) or
            ``'no'`` (the ``(M, K)`` matrix ``C``).

    Returns:
        Variable: 0-d, or ``(M, K)`` with ``reduce='no'``.

    Example:
        >>> a = np.array([[1.], [-1.]], np.float32)
        >>> F.cross_covariance(a, a).array
        array(0.5, dtype=float32)
    """
    f = "cross_covariance"
    check_reduce(f, reduce, ("half_squared_sum", "no"))
    if type_check.enabled():
        for n, v in (("y", y), ("z", z)):
            type_check.expect_float(f, n, v)
            type_check.expect_ndim(f, n, v, 2)
        type_check.expect_same_dtype(f, ("y", "z"), (y, z))
        if y.shape[0] != z.shape[0]:
            raise type_check.InvalidType(f"{f}: y and z must have the same batch size, got y "
                                         f"{tuple(y.shape)} and z {tuple(z.shape)}")
    yc = y - mean(y, axis=0, keepdims=True)
    zc = z - mean(z, axis=0, keepdims=True)
    cov = matmul(yc, zc, transa=True) * (1.0 / max(y.shape[0], 1))
    if reduce == "half_squared_sum":
        return _sum(cov * cov) * 0.5
    return cov

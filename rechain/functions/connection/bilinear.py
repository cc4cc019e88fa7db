"""bilinear: the bilinear (neural tensor) layer's function (Socher et al. 2013).

``y[n, l] = sum_{j, k} e1[n, j] e2[n, k] W[j, k, l]
(+ sum_j e1[n, j] V1[j, l] + sum_k e2[n, k] V2[k, l] + b[l])``, computed as
two matrix products (``e1 W`` as ``(N, K * L)``, then a batched product with
``e2``) with differentiable functions, so gradients of every order exist.
"""

import numpy

from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.cast import cast
from rechain.functions.array.reshape import reshape
from rechain.functions.math.matmul import matmul
from rechain.utils import type_check


def _prod(shape):
    r = 1
    for s in shape:
        r *= s
    return r


def bilinear(e1, e2, W, V1=None, V2=None, b=None):
    """Bilinear function of two batches of vectors.

    Args:
        e1 (Variable or ndarray): Left input ``(N, J)`` (axes after the first
            are flattened).
        e2 (Variable or ndarray): Right input ``(N, K)`` (likewise).
        W (Variable or ndarray): ``(J, K, L)``.
        V1, V2, b (Variable, ndarray or None): ``(J, L)``, ``(K, L)``, ``(L,)``;
            all three or none.

    Inputs of different float dtypes are computed in their promoted dtype;
    the output has e1's.

    Returns:
        Variable: ``(N, L)``.

    Example:
        >>> F.bilinear(np.ones((2, 3)), np.ones((2, 4)), np.ones((3, 4, 5))).shape
        (2, 5)
    """
    fname = "bilinear"
    given = [v is not None for v in (V1, V2, b)]
    if any(given) and not all(given):
        raise ValueError(f"{fname}: V1, V2 and b must be given all together or not at all")
    if type_check.enabled():
        for name, v in (("e1", e1), ("e2", e2), ("W", W)):
            type_check.expect_float(fname, name, v)
        for name, v in (("e1", e1), ("e2", e2)):
            if v.ndim < 2:
                raise type_check.InvalidType(f"{fname}: {name} must have at least 2 "
                                             f"dimensions (batch, features), got shape "
                                             f"{tuple(v.shape)}")
        if e1.shape[0] != e2.shape[0]:
            raise type_check.InvalidType(f"{fname}: e1 {tuple(e1.shape)} and e2 "
                                         f"{tuple(e2.shape)} must have the same batch size")
        if W.ndim != 3:
            raise type_check.InvalidType(f"{fname}: W must be 3-d (J, K, L), got shape "
                                         f"{tuple(W.shape)}")
        j, k = _prod(e1.shape[1:]), _prod(e2.shape[1:])
        if W.shape[:2] != (j, k):
            raise type_check.InvalidType(
                f"{fname}: W {tuple(W.shape)} must have shape ({j}, {k}, L) for e1 "
                f"{tuple(e1.shape)} and e2 {tuple(e2.shape)}")
        if all(given):
            ll = W.shape[2]
            for name, v, shape in (("V1", V1, (j, ll)), ("V2", V2, (k, ll)), ("b", b, (ll,))):
                if tuple(v.shape) != shape:
                    raise type_check.InvalidType(f"{fname}: {name} must have shape {shape} "
                                                 f"for W {tuple(W.shape)}, got "
                                                 f"{tuple(v.shape)}")
    dtypes = {v.dtype for v in (e1, e2, W, V1, V2, b) if v is not None}
    if len(dtypes) > 1:   # computed in the promoted dtype, returned in e1's
        common = numpy.result_type(*dtypes)
        args = [v if v is None or v.dtype == common else cast(v, common)
                for v in (e1, e2, W, V1, V2, b)]
        return cast(bilinear(*args), e1.dtype)
    n = e1.shape[0]
    jj, kk, ll = W.shape
    a = reshape(e1, (n, jj))
    c = reshape(e2, (n, kk))
    t = reshape(matmul(a, reshape(W, (jj, kk * ll))), (n, kk, ll))
    y = reshape(matmul(reshape(c, (n, 1, kk)), t), (n, ll))
    if all(given):
        y = y + matmul(a, V1) + matmul(c, V2) + broadcast_to(reshape(b, (1, ll)), (n, ll))
    return y

"""triplet: the triplet margin loss of metric learning (Schroff et al., 2015)."""

from rechain.functions.activation.relu import relu
from rechain.functions.loss._reduce import check_reduce
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def triplet(anchor, positive, negative, margin=0.2, reduce="mean"):
    """Triplet loss ``max(0, ||a - p||**2 - ||a - n||**2 + margin)`` per row.

    Args:
        anchor, positive, negative (Variable or ndarray): ``(N, K)`` float
            arrays of one shape and dtype (N > 0).
        margin (float): Positive margin.
        reduce (str): ``'mean'`` (default) or ``'no'`` (the ``(N,)`` losses).

    Returns:
        Variable: 0-d, or ``(N,)`` with ``reduce='no'``.

    Example:
        >>> a = np.zeros((1, 2), np.float32)
        >>> F.triplet(a, a, a + 1).array
        array(0., dtype=float32)
    """
    f = "triplet"
    if not margin > 0:
        raise ValueError(f"{f}: margin must be positive, got {margin}")
    check_reduce(f, reduce, ("mean", "no"))
    names = ("anchor", "positive", "negative")
    xs = (anchor, positive, negative)
    if type_check.enabled():
        for n, v in zip(names, xs):
            type_check.expect_float(f, n, v)
        type_check.expect_ndim(f, "anchor", anchor, 2)
        type_check.expect_same_shape(f, names, xs)
        type_check.expect_same_dtype(f, names, xs)
        if anchor.shape[0] == 0:
            raise type_check.InvalidType(f"{f}: the batch is empty (anchor has shape "
                                         f"{tuple(anchor.shape)})")
    dp = anchor - positive
    dn = anchor - negative
    loss = relu(_sum(dp * dp - dn * dn, axis=1) + margin)
    if reduce == "mean":
        return _sum(loss) * (1.0 / anchor.shape[0])
    return loss

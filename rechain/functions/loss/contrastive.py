"""contrastive: the pairwise loss of siamese networks (Hadsell et al., 2006)."""

from rechain import variable
from rechain.functions.activation.relu import relu
from rechain.functions.loss._reduce import check_reduce
from rechain.functions.loss._labels import expect_int
from rechain.functions.math.sqrt import sqrt
from rechain.functions.math.minmax import maximum
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def contrastive(x0, x1, y, margin=1, reduce="mean"):
    """Contrastive loss of pairs ``(x0[i], x1[i])`` labelled similar (1) or not (0).

    With ``d = ||x0[i] - x1[i]||``: ``l[i] = y d**2 / 2 + (1 - y) max(0, margin - d)**2 / 2``.
    The distance of the dissimilar term is taken as at least 1e-7 (5e-3 for
    float16) so that its gradient is finite for identical pairs, as in Chainer.

    Args:
        x0, x1 (Variable or ndarray): ``(N, K)`` float arrays of one dtype.
        y (Variable or ndarray): ``(N,)`` integer labels, 1 similar, 0 dissimilar.
        margin (float): Positive margin.
        reduce (str): ``'mean'`` (default) or ``'no'`` (the ``(N,)`` losses).

    Returns:
        Variable: 0-d, or ``(N,)`` with ``reduce='no'``.

    Example:
        >>> F.contrastive(np.zeros((1, 2), np.float32), np.ones((1, 2), np.float32),
        ...               np.array([1])).array
        array(1., dtype=float32)
    """
    f = "contrastive"
    if not margin > 0:
        raise ValueError(f"{f}: margin must be positive, got {margin}")
    check_reduce(f, reduce, ("mean", "no"))
    if type_check.enabled():
        for n, v in (("x0", x0), ("x1", x1)):
            type_check.expect_float(f, n, v)
            type_check.expect_ndim(f, n, v, 2)
        expect_int(f, "y", y)
        type_check.expect_ndim(f, "y", y, 1)
        type_check.expect_same_shape(f, ("x0", "x1"), (x0, x1))
        type_check.expect_same_dtype(f, ("x0", "x1"), (x0, x1))
        if x0.shape[0] != y.shape[0] or x0.shape[0] == 0:
            raise type_check.InvalidType(
                f"{f}: x0 and y must have the same non-zero batch size, got x0 "
                f"{tuple(x0.shape)} and y {tuple(y.shape)}")
    ya = variable.as_array(y).astype(x0.dtype)
    diff = x0 - x1
    dist_sq = _sum(diff * diff, axis=1)
    eps = 5e-3 if x0.dtype.itemsize == 2 else 1e-7
    dist = sqrt(maximum(dist_sq, (dist_sq.array * 0 + eps * eps).astype(x0.dtype)))
    far = relu(margin - dist)
    loss = (dist_sq * ya + far * far * (1 - ya)) * 0.5
    if reduce == "mean":
        return _sum(loss) * (1.0 / x0.shape[0])
    return loss

"""hinge: the one-vs-rest hinge loss of a multi-class classifier."""

from rechain import backend
from rechain import variable
from rechain.functions.activation.relu import relu
from rechain.functions.loss._labels import check_labels, expect_int
from rechain.functions.loss._reduce import check_reduce
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def hinge(x, t, norm="L1", reduce="mean"):
    """Hinge loss ``max(0, 1 - s * x)`` with ``s = +1`` at the true class, ``-1`` elsewhere.

    Elementwise, ``l[i, j] = max(0, 1 + x[i, j])`` for ``j != t[i]`` and
    ``max(0, 1 - x[i, t[i]])``; squared with ``norm='L2'``. Computed as
    ``relu(1 + x * s)`` so the gradient (0 at the hinge) is differentiable again.

    Args:
        x (Variable or ndarray): Scores of shape ``(N, C)``, float.
        t (Variable or ndarray): Integer labels of shape ``(N,)`` in ``[0, C)``.
        norm (str): ``'L1'`` (default) or ``'L2'``.
        reduce (str): ``'mean'`` (sum divided by N, Chainer's definition) or
            ``'no'`` (the ``(N, C)`` elementwise loss).

    Returns:
        Variable: 0-d, or ``(N, C)`` with ``reduce='no'``.

    Example:
        >>> F.hinge(np.array([[2., -2.]], np.float32), np.array([0])).array
        array(0., dtype=float32)
    """
    f = "hinge"
    if norm not in ("L1", "L2"):
        raise ValueError(f"{f}: norm must be 'L1' or 'L2', got {norm!r}")
    check_reduce(f, reduce, ("mean", "no"))
    if type_check.enabled():
        type_check.expect_float(f, "x", x)
        expect_int(f, "t", t)
        type_check.expect_ndim(f, "x", x, 2)
        type_check.expect_ndim(f, "t", t, 1)
        if x.shape[0] != t.shape[0]:
            raise type_check.InvalidType(f"{f}: x and t must have the same batch size, got x "
                                         f"{tuple(x.shape)} and t {tuple(t.shape)}")
    t = variable.as_array(t)
    check_labels(f, t, x.shape[1])
    xa = variable.as_array(x)
    xp = backend.get_array_module(xa)
    sign = xp.ones(xa.shape, dtype=xa.dtype)
    sign[xp.arange(len(t)), t] = -1
    loss = relu(x * sign + 1.0)
    if norm == "L2":
        loss = loss * loss
    if reduce == "mean":
        return _sum(loss) * (1.0 / max(len(t), 1))
    return loss

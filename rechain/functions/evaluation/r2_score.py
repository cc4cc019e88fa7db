"""r2_score: the coefficient of determination of a regression (not differentiable)."""

from rechain import backend
from rechain import variable
from rechain.utils import type_check


def r2_score(pred, true, sample_weight=None, multioutput="uniform_average"):
    """``R^2 = 1 - SS_res / SS_tot`` per output column (axis 0 is the batch).

    A column whose ``true`` values are all equal (``SS_tot == 0``) scores 0, as
    in Chainer.

    Args:
        pred (Variable or ndarray): Predictions, float.
        true (Variable or ndarray): Targets of ``pred``'s shape, float.
        sample_weight: Not supported (must be None), as in Chainer.
        multioutput (str): ``'uniform_average'`` (the mean over outputs) or
            ``'raw_values'`` (one score per output).

    Returns:
        Variable: 0-d, or of shape ``pred.shape[1:]``, of ``pred``'s dtype.

    Example:
        >>> F.r2_score(np.array([1., 2., 4.], np.float32), np.array([1., 2., 3.], np.float32)).array
        array(0.5, dtype=float32)
    """
    f = "r2_score"
    if sample_weight is not None:
        raise NotImplementedError(f"{f}: sample_weight is not supported")
    if multioutput not in ("uniform_average", "raw_values"):
        raise ValueError(f"{f}: multioutput must be 'uniform_average' or 'raw_values', "
                         f"got {multioutput!r}")
    if type_check.enabled():
        type_check.expect_float(f, "pred", pred)
        type_check.expect_float(f, "true", true)
        type_check.expect_same_shape(f, ("pred", "true"), (pred, true))
        if pred.ndim == 0 or pred.shape[0] == 0:
            raise type_check.InvalidType(f"{f}: pred must have a non-empty batch axis 0, got "
                                         f"shape {tuple(pred.shape)}")
    p, t = variable.as_array(pred), variable.as_array(true)
    xp = backend.get_array_module(p)
    ss_res = ((p - t) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    zero = ss_tot == 0
    ret = xp.where(zero, 0.0, 1 - ss_res / xp.where(zero, 1, ss_tot)).astype(p.dtype)
    if multioutput == "uniform_average":
        ret = xp.asarray(ret.mean(), dtype=p.dtype)
    return variable.Variable(xp.asarray(ret), requires_grad=False)

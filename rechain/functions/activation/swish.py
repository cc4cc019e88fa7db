"""swish."""

from rechain import variable
from rechain.functions.activation.sigmoid import sigmoid
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


def swish(x, beta):
    """Swish activation ``x * sigmoid(beta * x)`` with a learnable ``beta``.

    ``beta`` has shape ``(s_1, ..., s_M)`` and is aligned with the axes of
    ``x`` that follow the batch axis, i.e. broadcast as
    ``(1, s_1, ..., s_M, 1, ..., 1)``.

    Args:
        x (Variable or ndarray): Input of shape ``(B, s_1, ..., s_N)``.
        beta (Variable or ndarray): Parameter with ``M <= N`` dimensions.

    Returns:
        Variable: Output of the shape and dtype of ``x``.

    Example:
        >>> F.swish(np.zeros((2, 3), np.float32), np.ones(3, np.float32)).shape
        (2, 3)
    """
    if type_check.enabled():
        type_check.expect_float("swish", "x", x)
        type_check.expect_float("swish", "beta", beta)
        type_check.expect_same_dtype("swish", ("x", "beta"), (x, beta))
        n = beta.ndim
        if x.ndim < n + 1 or tuple(x.shape[1:1 + n]) != tuple(beta.shape):
            raise type_check.InvalidType(
                f"swish: beta of shape {tuple(beta.shape)} must match the axes of x "
                f"after the batch axis, but x has shape {tuple(x.shape)}")
    x = variable.as_variable(x)
    ext = (1,) + tuple(beta.shape) + (1,) * (x.ndim - beta.ndim - 1)
    b = broadcast_to(reshape(beta, ext), x.shape)
    return x * sigmoid(b * x)

"""floor, ceil, fix, sign: piecewise-constant functions.

Their derivative is zero wherever it exists, so, as in Chainer, they return a
constant Variable that is not connected to the graph (nothing flows back
through it, and no node is recorded).
"""

from rechain import backend
from rechain import variable
from rechain.utils import type_check


def _apply(fname, x, op):
    if type_check.enabled():
        type_check.expect_kind(fname, "x", x, "iuf", "a numeric")
    a = variable.as_array(x)
    xp = backend.get_array_module(a)
    y = xp.asarray(getattr(xp, op)(a))
    if y.dtype != a.dtype:
        y = y.astype(a.dtype)
    return variable.as_variable(y)


def floor(x):
    """Elementwise floor, the largest integer not above ``x``, in ``x``'s dtype.

    Not differentiable: the result is a constant Variable (its gradient is
    zero almost everywhere, and Chainer unchains the graph here too).

    Args:
        x (Variable or ndarray): Input of a numeric dtype.

    Returns:
        Variable: ``floor(x)``, disconnected from the graph.

    Example:
        >>> F.floor(np.array([-1.5, 1.5], np.float32)).array
        array([-2.,  1.], dtype=float32)
    """
    return _apply("floor", x, "floor")


def ceil(x):
    """Elementwise ceiling, the smallest integer not below ``x``, in ``x``'s dtype.

    Not differentiable: the result is a constant Variable.

    Args:
        x (Variable or ndarray): Input of a numeric dtype.

    Returns:
        Variable: ``ceil(x)``, disconnected from the graph.

    Example:
        >>> F.ceil(np.array([-1.5, 1.5], np.float32)).array
        array([-1.,  2.], dtype=float32)
    """
    return _apply("ceil", x, "ceil")


def fix(x):
    """Elementwise rounding toward zero, in ``x``'s dtype.

    Not differentiable: the result is a constant Variable.

    Args:
        x (Variable or ndarray): Input of a numeric dtype.

    Returns:
        Variable: ``fix(x)``, disconnected from the graph.

    Example:
        >>> F.fix(np.array([-1.5, 1.5], np.float32)).array
        array([-1.,  1.], dtype=float32)
    """
    return _apply("fix", x, "fix")


def sign(x):
    """Elementwise sign: -1, 0 or 1 (NaN stays NaN), in ``x``'s dtype.

    Not differentiable: the result is a constant Variable.

    Args:
        x (Variable or ndarray): Input of a numeric dtype.

    Returns:
        Variable: ``sign(x)``, disconnected from the graph.

    Example:
        >>> F.sign(np.array([-2., 0., 3.], np.float32)).array
        array([-1.,  0.,  1.], dtype=float32)
    """
    return _apply("sign", x, "sign")

"""A log-sum-exp built from differentiable functions, for the sequence losses.

``lse(x) = log(sum(exp(x - m))) + m`` with ``m`` the maximum taken as a
constant: the value and every derivative are those of the exact log-sum-exp
(its gradient does not depend on ``m``), and nothing overflows.
"""

from rechain import variable
from rechain.functions.array.stack import stack
from rechain.functions.math.exponential import exp, log
from rechain.functions.math.sum import sum as _sum


def logsumexp(x, axis):
    """Log-sum-exp of Variable ``x`` over one ``axis``."""
    m = variable.as_array(x).max(axis=axis, keepdims=True)
    return log(_sum(exp(x - m), axis=axis)) + m.squeeze(axis)


def logsumexp_of(*xs):
    """Elementwise log-sum-exp of several Variables of one shape."""
    return logsumexp(stack(xs, axis=0), axis=0)

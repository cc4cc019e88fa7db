"""Shared argument checks and reductions of the loss functions."""

from rechain.functions.math.sum import mean, sum as _sum
from rechain.utils import type_check


def check_reduce(fname, reduce, allowed):
    """``reduce`` must be one of ``allowed``; the message lists them."""
    if reduce not in allowed:
        names = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{fname}: reduce must be one of {names}, got {reduce!r}")


def check_floats(fname, names, xs):
    """Float arrays of one shape and one dtype, named in any error."""
    if not type_check.enabled():
        return
    for n, x in zip(names, xs):
        type_check.expect_float(fname, n, x)
    type_check.expect_same_shape(fname, names, xs)
    type_check.expect_same_dtype(fname, names, xs)


def reduce_loss(loss, reduce):
    """``'sum'``: the sum; ``'mean'``: the mean over all elements; ``'no'``: as is."""
    if reduce == "sum":
        return _sum(loss)
    if reduce == "mean":
        return mean(loss)
    return loss

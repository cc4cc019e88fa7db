"""Checks of integer label inputs shared by the loss functions."""

from rechain import backend
from rechain import variable
from rechain.utils import type_check


def check_labels(fname, t, n_classes, argname="t", ignore_label=None):
    """Every entry of ``t`` names a class in [0, n_classes) (or is ``ignore_label``)."""
    t = variable.as_array(t)
    if t.size == 0:
        return
    xp = backend.get_array_module(t)
    bad = (t < 0) | (t >= n_classes)
    if ignore_label is not None:
        bad &= t != ignore_label
    if bool(bad.any()):
        pos = tuple(int(i) for i in xp.argwhere(bad)[0])
        pos = pos[0] if len(pos) == 1 else pos
        extra = "" if ignore_label is None else f" or {ignore_label} (ignore_label)"
        raise ValueError(f"{fname}: label {int(t[bad][0])} at position {pos} of {argname} is "
                         f"out of range: labels must be in [0, {n_classes}){extra}")


def expect_int(fname, argname, t):
    if type_check.enabled():
        type_check.expect_kind(fname, argname, t, "iu", "an integer")

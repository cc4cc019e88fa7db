"""rrelu: randomized leaky ReLU.

While training, each element's negative slope is drawn from U(l, u); in
test mode the slope is the mean (l + u) / 2. As with dropout, the slopes are
drawn in :func:`rrelu` from the framework stream (``rechain.random``) and
enter :class:`RReLU` as a constant second input, so the node is a pure
function of its inputs: ``F.forget`` recomputes the same slopes and
``rechain.memory`` counts them.
"""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import random as _random
from rechain import variable
from rechain.utils import type_check


class RReLU(function_node.FunctionNode):
    """y = x where x >= 0, r * x elsewhere, on inputs ``(x, r)``.

    Retains x (not y: a slope of 0 would make y lose x's sign).
    """

    def forward(self, inputs):
        x, r = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0, 1))
        return xp.asarray(xp.where(x >= 0, x, x * r)),

    def backward(self, indexes, grad_outputs):
        x, r = self.get_retained_inputs()
        return tuple(RReLUGrad().apply((x, r, grad_outputs[0]))[0] if i == 0 else None
                     for i in indexes)


class RReLUGrad(function_node.FunctionNode):
    """gx = gy where x >= 0, r * gy elsewhere, on inputs ``(x, r, gy)``; linear
    in gy (its own gradient there), constant in x and r."""

    def forward(self, inputs):
        x, r, gy = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0, 1))
        return xp.asarray(xp.where(x >= 0, gy, gy * r)),

    def backward(self, indexes, grad_outputs):
        x, r = self.get_retained_inputs()
        return tuple(RReLUGrad().apply((x, r, grad_outputs[0]))[0] if i == 2 else None
                     for i in indexes)


def _draw(x, lower, upper):
    xp = backend.get_array_module(x)
    dtype = x.dtype
    rdtype = dtype if dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
    u = _random.get_generator(xp).random(x.shape, dtype=rdtype)
    return xp.asarray(u * (upper - lower) + lower, dtype=dtype)


def rrelu(x, l=1. / 8, u=1. / 3, *, r=None, return_r=False):  # noqa: E741 (Chainer's names)
    """Randomized leaky ReLU: ``x`` where ``x >= 0``, ``r * x`` elsewhere.

    In training mode (``rechain.config.train``) each element's ``r`` is drawn
    from ``U(l, u)`` by the framework stream (``rechain.random.seed`` makes it
    reproducible); in test mode ``r = (l + u) / 2`` everywhere.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        l (float): Lower bound of the slopes, in [0, 1).
        u (float): Upper bound of the slopes, in [0, 1), above ``l``.
        r (ndarray or None): Slopes to use in training mode instead of drawing
            them (``l`` and ``u`` are then ignored): a float array of ``x``'s
            shape, cast to ``x``'s dtype. Test mode uses the mean slope
            whatever ``r`` is (as Chainer does).
        return_r (bool): Also return the slopes used.

    Returns:
        Variable, or ``(Variable, ndarray)`` with ``return_r=True``.

    Example:
        >>> with rechain.using_config("train", False):
        ...     F.rrelu(np.array([-1., 2.], np.float32), l=0.1, u=0.3).array
        array([-0.2,  2. ], dtype=float32)
    """
    for name, v in (("l", l), ("u", u)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v < 1.0:
            raise ValueError(f"rrelu: {name} must be a float in [0, 1), got {v!r}")
    if not l < u:
        raise ValueError(f"rrelu: l must be less than u, got l={l!r} and u={u!r}")
    if type_check.enabled():
        type_check.expect_float("rrelu", "x", x)
    xa = variable.as_array(x)
    if not configuration.config.train:  # as Chainer: the mean slope, even if r is given
        r = backend.get_array_module(xa).full(xa.shape, (l + u) / 2, xa.dtype)
    elif r is None:
        r = _draw(xa, float(l), float(u))
    else:
        r = variable.as_array(r)
        if not hasattr(r, "dtype") or r.shape != xa.shape or r.dtype.kind != "f":
            raise type_check.InvalidType(
                f"rrelu: r must be a float array of x's shape {tuple(xa.shape)}, got "
                f"shape {tuple(getattr(r, 'shape', ()))} and dtype {getattr(r, 'dtype', None)}")
        if r.dtype != xa.dtype:
            r = r.astype(xa.dtype)
    y = RReLU().apply((x, r))[0]
    return (y, r) if return_r else y

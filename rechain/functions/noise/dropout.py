"""dropout.

The mask is drawn in :func:`dropout` from the framework stream
(``rechain.random``) and passed to :class:`Dropout` as a constant second
input, which the node retains: a boolean array of the kept elements (one byte
per element; the scale follows from the node's ratio). Nothing random happens
inside the node, and the mask is an ordinary retained array: ``F.forget``
recomputes it by replaying the stream, and ``rechain.memory`` counts it.
Chainer's own call, ``Dropout(ratio).apply((x,))``, draws the mask from the
same stream once, when the node is first applied, and keeps it on the node.
"""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import random as _random
from rechain import variable
from rechain.utils import type_check


def _check_ratio(ratio):
    if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) \
            or not 0.0 <= ratio < 1.0:
        raise ValueError(f"dropout: ratio must be a float in [0, 1), got {ratio!r}")


class Dropout(function_node.FunctionNode):
    """y = x * mask (Chainer's node, with Chainer's constructor).

    Two ways to apply it:

    - ``Dropout(ratio).apply((x,))`` (Chainer's): the node draws its mask from
      ``rechain.random`` on its first apply and keeps it as :attr:`mask` (a
      float array holding 0 or ``1 / (1 - ratio)``), so applying it again uses
      the same mask, as Chainer's does; ``Dropout(ratio, mask)`` takes one.
    - ``Dropout(ratio).apply((x, mask))`` (what :func:`dropout` does): the
      mask is an input, which the node retains and does not keep otherwise
      (see the module docstring). A boolean mask holds the kept elements and
      is scaled by ``1 / (1 - ratio)`` in ``x``'s dtype: a quarter of the
      bytes of a float32 mask kept for backward, and bitwise the same products.

    The node draws nothing in ``forward``: a re-run computes the same output.
    """

    def __init__(self, dropout_ratio, mask=None, return_mask=False):
        _check_ratio(dropout_ratio)
        self.dropout_ratio = dropout_ratio
        self.return_mask = return_mask
        self._mask = mask

    @property
    def mask(self):
        """The scaled mask: the one kept by Chainer's call, else the one made
        from the retained input (None before the node ran)."""
        if self._mask is not None:
            return self._mask
        kept = self.get_retained_input_arrays() if self._in_retain else None
        if not kept:
            return None
        keep = kept[0]
        if keep.dtype.kind != "b":
            return keep
        x = self.inputs[0]
        return _scaled(keep, x.dtype, x.dtype.type(1.0 / (1.0 - self.dropout_ratio)))

    @mask.setter
    def mask(self, value):
        self._mask = value

    def apply(self, inputs):
        if len(inputs) != 1:
            return super().apply(inputs)
        x, = inputs
        if self._mask is None:
            xa = variable.as_array(x)
            if type_check.enabled():
                type_check.expect_float("dropout", "x", xa)
            self._mask = _scaled(_draw_keep(xa, self.dropout_ratio), xa.dtype,
                                 xa.dtype.type(1.0 / (1.0 - self.dropout_ratio)))
        return super().apply((x, self._mask))

    def forward(self, inputs):
        x, mask = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((1,))
        if mask.dtype.kind != "b":
            return xp.asarray(x * mask),
        y = x * x.dtype.type(1.0 / (1.0 - self.dropout_ratio))
        y *= mask
        return xp.asarray(y),

    def backward(self, indexes, grad_outputs):
        mask, = self.get_retained_inputs()
        # linear in gy: the same node again (so double backprop is this again)
        gx = Dropout(self.dropout_ratio).apply((grad_outputs[0], mask))[0]
        return tuple([gx if i == 0 else None for i in indexes])


def _draw_keep(x, ratio):
    """The boolean mask of kept elements, from the framework stream."""
    xp = backend.get_array_module(x)
    dtype = x.dtype
    # The generators draw float32 or float64; float16 masks come from float32 draws.
    rdtype = dtype if dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
    gen = _random.get_generator(xp)
    return xp.asarray(gen.random(x.shape, dtype=rdtype) >= ratio)


def _scaled(keep, dtype, scale):
    mask = keep.astype(dtype)
    mask *= scale
    return mask


def dropout(x, ratio=.5, *, mask=None, return_mask=False):
    """Zero each element with probability ``ratio`` and scale the rest by ``1 / (1 - ratio)``.

    Only while ``rechain.config.train`` is True; otherwise ``x`` is returned
    unchanged (as a Variable). The random numbers come from the framework
    stream (``rechain.random``), so ``rechain.random.seed`` makes them
    reproducible and ``F.forget`` recomputes the same mask.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        ratio (float): Probability of dropping an element, in [0, 1).
        mask (ndarray or Variable): The scaled mask to use instead of drawing
            one: a float array of ``x``'s shape holding 0 or
            ``1 / (1 - ratio)`` (as returned with ``return_mask=True``),
            cast to ``x``'s dtype if needed. ``ratio`` is then ignored.
        return_mask (bool): Also return the mask (None in test mode).

    Returns:
        Variable, or ``(Variable, ndarray or None)`` with ``return_mask=True``.

    Example:
        >>> y = F.dropout(np.ones((2, 3), np.float32), ratio=0.5)  # entries 0 or 2
    """
    _check_ratio(ratio)
    if type_check.enabled():
        type_check.expect_float("dropout", "x", x)
    if not configuration.config.train:
        return (variable.as_variable(x), None) if return_mask else variable.as_variable(x)
    if mask is None:
        xa = variable.as_array(x)
        keep = _draw_keep(xa, float(ratio))
        y = Dropout(ratio).apply((x, keep))[0]
        if not return_mask:
            return y
        return y, _scaled(keep, xa.dtype, xa.dtype.type(1.0 / (1.0 - float(ratio))))
    else:
        mask = variable.as_array(mask)
        if type_check.enabled():
            if mask.shape != x.shape or mask.dtype.kind != "f":
                raise type_check.InvalidType(
                    f"dropout: mask must be a float array of x's shape {tuple(x.shape)}, "
                    f"got shape {tuple(mask.shape)} and dtype {mask.dtype}")
        if mask.dtype != x.dtype:
            mask = mask.astype(x.dtype)
    y = Dropout(ratio).apply((x, mask))[0]
    return (y, mask) if return_mask else y

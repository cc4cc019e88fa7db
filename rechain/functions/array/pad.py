"""pad: pad an array with a constant."""

import numpy

from rechain import backend
from rechain import function_node
from rechain.functions.array import _util
from rechain.functions.array.get_item import GetItem


class Pad(function_node.FunctionNode):
    """Constant padding; the gradient is the un-padded slice of ``gy``."""

    def __init__(self, pad_width, constant_values):
        self.pad_width = pad_width
        self.constant_values = constant_values

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        if x.ndim == 0:  # nothing to pad (NumPy takes no empty pad_width)
            return x.copy(),
        return xp.pad(x, self.pad_width, mode="constant",
                      constant_values=self.constant_values),

    def backward(self, indexes, grad_outputs):
        key = tuple(slice(b, b + s) for (b, _), s in zip(self.pad_width, self._in_shape))
        return GetItem(key, False).apply(grad_outputs)


def pad(x, pad_width, mode="constant", **keywords):
    """Pad ``x`` with a constant value.

    Args:
        x (Variable or ndarray): Input.
        pad_width (int or sequence): Widths as in ``numpy.pad``: ``n``,
            ``(before, after)``, or one ``(before, after)`` pair per axis.
        mode (str): Only ``'constant'`` is supported.
        constant_values (scalar or sequence): The fill value (default 0), or
            values as in ``numpy.pad``: ``(before, after)`` for every axis, or
            one ``(before, after)`` pair per axis. Passed as a keyword.

    Returns:
        Variable: The padded variable.

    Example:
        >>> F.pad(np.ones(2, np.float32), 1, "constant").array
        array([0., 1., 1., 0.], dtype=float32)
    """
    _util.check_input("pad", x)
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    unknown = set(keywords) - {"constant_values"}
    if unknown:
        raise TypeError(f"pad: unexpected keyword arguments {sorted(unknown)}")
    cv = _constant_values(keywords.get("constant_values", 0), x)
    try:
        pw = numpy.broadcast_to(numpy.asarray(pad_width), (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} cannot be broadcast to "
                         f"({x.ndim}, 2) pairs for x of shape {x.shape}") from None
    if pw.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must contain ints, got {pad_width!r}")
    if (pw < 0).any():
        raise ValueError(f"pad: pad_width {pad_width!r} must be non-negative "
                         f"(x shape {x.shape})")
    pw = tuple((int(b), int(a)) for b, a in pw)
    return Pad(pw, cv).apply((x,))[0]


def _constant_values(cv, x):
    """A scalar, or ``(before, after)`` pairs per axis as nested tuples of scalars."""
    if isinstance(cv, numpy.generic):
        return cv.item()
    if numpy.isscalar(cv) and not isinstance(cv, (str, bytes)):
        return cv
    try:
        a = numpy.asarray(backend.to_cpu(cv) if backend.is_array(cv) else cv)
    except (TypeError, ValueError):
        a = numpy.asarray(None)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"pad: constant_values must be a number or (before, after) numbers "
                        f"per axis, got {cv!r} of type {type(cv).__name__}")
    try:
        pairs = numpy.broadcast_to(a, (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: constant_values {cv!r} cannot be broadcast to ({x.ndim}, 2) "
                         f"(before, after) pairs for x of shape {x.shape}") from None
    return tuple((b.item(), e.item()) for b, e in pairs)

"""cast: change the dtype of an array."""

import numpy

from rechain import configuration
from rechain import function_node
from rechain import variable
from rechain.functions.array import _util
from rechain.utils import type_check


class Cast(function_node.FunctionNode):
    """Casts to ``dtype``; the gradient is cast back to the input's dtype.

    An input that is not floating point gets no gradient.
    """

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, inputs):
        x, = inputs
        self._in_dtype = x.dtype
        return x.astype(self.dtype, copy=False),

    def backward(self, indexes, grad_outputs):
        if self._in_dtype.kind != "f":
            return None,
        return cast(grad_outputs[0], self._in_dtype),


def cast(x, typ):
    """Cast ``x`` to the dtype ``typ``.

    Args:
        x (Variable or ndarray): Input.
        typ (dtype or str or type): The target dtype, e.g. ``numpy.float64``.

    Returns:
        Variable: ``x`` as ``typ``; its gradient flows back in ``x``'s dtype.

    Example:
        >>> F.cast(np.ones(2, np.float32), np.float64).dtype
        dtype('float64')
    """
    _util.check_input("cast", x)
    try:
        dtype = numpy.dtype(typ)
    except TypeError:
        raise TypeError(f"cast: typ must be a dtype (e.g. numpy.float32), got "
                        f"{typ!r} of type {type(typ).__name__} (x shape {x.shape}, "
                        f"dtype {x.dtype})") from None
    if typ is None:  # numpy.dtype(None) is float64; Chainer would reject it
        raise TypeError(f"cast: typ must be a dtype, got None (x shape {x.shape}, "
                        f"dtype {x.dtype})")
    if x.dtype == dtype and not configuration.config.enable_backprop:
        return variable.as_variable(x)
    if type_check.enabled() and dtype.kind not in "biufc":
        raise type_check.InvalidType(f"cast: cannot cast x of shape {x.shape} and dtype "
                                     f"{x.dtype} to {dtype}: only numeric and boolean "
                                     f"dtypes are supported")
    return Cast(dtype).apply((x,))[0]

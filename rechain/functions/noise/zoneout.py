"""zoneout: keep each unit's previous state with probability ``ratio`` (Krueger et al., 2016).

The flag of the elements taken from ``x`` is drawn from the framework stream
(``rechain.random``) when :class:`Zoneout` is applied, outside ``forward``,
and enters the node as a constant third input that the node retains (one
byte per element). So ``F.forget`` replays it exactly, a re-run of the node
computes the same output, and ``rechain.memory`` counts the flag.
"""

import numpy

from rechain import backend
from rechain import configuration
from rechain import function_node
from rechain import random as _random
from rechain import variable
from rechain.utils import type_check


def _check_ratio(ratio):
    if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 <= ratio <= 1:
        raise ValueError(f"zoneout: ratio must be a float in [0, 1], got {ratio!r}")


def _draw_flag_x(x, ratio):
    """The boolean flag of the elements taken from ``x``, from the framework stream."""
    xp = backend.get_array_module(x)
    # The generators draw float32 or float64; float16 flags come from float32 draws.
    rdtype = x.dtype if x.dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
    return xp.asarray(_random.get_generator(xp).random(x.shape, dtype=rdtype) >= ratio)


class Zoneout(function_node.FunctionNode):
    """y = where(flag_x, x, h) (Chainer's node, with Chainer's constructor).

    ``Zoneout(ratio).apply((h, x))`` draws a new flag at each apply (as
    Chainer's node does in its forward) and applies the node to ``(h, x,
    flag_x)``; the flag is a retained input, read back as :attr:`flag_x` and
    :attr:`flag_h` (Chainer's attributes).
    """

    def __init__(self, zoneout_ratio):
        _check_ratio(zoneout_ratio)
        self.zoneout_ratio = zoneout_ratio

    def apply(self, inputs):
        if len(inputs) != 2:
            return super().apply(inputs)
        h, x = inputs
        flag_x = _draw_flag_x(variable.as_array(x), self.zoneout_ratio)
        return super().apply((h, x, flag_x))

    @property
    def flag_x(self):
        """Boolean array: True where the output is taken from ``x`` (None
        before the node entered a graph)."""
        kept = self.get_retained_input_arrays() if self._in_retain else None
        return kept[0] if kept else None

    @property
    def flag_h(self):
        """Boolean array: True where the output is the previous state ``h``."""
        flag_x = self.flag_x
        return None if flag_x is None else ~flag_x

    def forward(self, inputs):
        h, x, flag_x = inputs
        self.retain_inputs((2,))
        return backend.get_array_module(x).where(flag_x, x, h),

    def backward(self, indexes, grad_outputs):
        gy, = grad_outputs
        flag_x = self.get_retained_input_arrays()[0]
        ret = []
        for i in indexes:
            if i == 2:
                ret.append(None)
                continue
            take = flag_x if i == 1 else ~flag_x
            # a product with a constant 0/1 array: differentiable to every order
            ret.append(gy * variable.Variable._constant(take.astype(gy.dtype)))
        return tuple(ret)


def zoneout(h, x, ratio=.5, **kwargs):
    """Per element, take the previous state ``h`` with probability ``ratio``, else ``x``.

    Only while ``rechain.config.train`` is True; otherwise ``x`` is returned
    (as a Variable). Unlike dropout nothing is rescaled.

    Args:
        h (Variable or ndarray): Previous state, float.
        x (Variable or ndarray): New state, of ``h``'s shape and dtype.
        ratio (float): Probability of keeping ``h``, in [0, 1].

    Returns:
        Variable: Of ``x``'s shape; its creator (a :class:`Zoneout`) gives the
        flags as ``flag_h`` and ``flag_x``.

    Example:
        >>> y = F.zoneout(np.zeros(4, np.float32), np.ones(4, np.float32), ratio=0.5)
    """
    f = "zoneout"
    if "train" in kwargs:
        raise TypeError(f"{f}: the train argument is not supported; use "
                        f"rechain.using_config('train', ...)")
    if kwargs:
        raise TypeError(f"{f}: unexpected keyword arguments {sorted(kwargs)}")
    _check_ratio(ratio)
    if type_check.enabled():
        type_check.expect_float(f, "h", h)
        type_check.expect_float(f, "x", x)
        type_check.expect_same_shape(f, ("h", "x"), (h, x))
        type_check.expect_same_dtype(f, ("h", "x"), (h, x))
    if not configuration.config.train:
        return variable.as_variable(x)
    return Zoneout(ratio).apply((h, x))[0]

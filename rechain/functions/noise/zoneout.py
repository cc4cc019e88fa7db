"""zoneout: keep each unit's previous state with probability ``ratio`` (Krueger et al., 2016).

The 0/1 flag is drawn from the framework stream (``rechain.random``) outside
the graph and enters as a constant, so ``y = h * (1 - m) + x * m`` is
differentiable to every order and replayed exactly by ``F.forget``.
"""

import numpy

from rechain import backend
from rechain import configuration
from rechain import random as _random
from rechain import variable
from rechain.utils import type_check


def zoneout(h, x, ratio=.5, **kwargs):
    """Per element, take the previous state ``h`` with probability ``ratio``, else ``x``.

    Only while ``rechain.config.train`` is True; otherwise ``x`` is returned
    (as a Variable). Unlike dropout nothing is rescaled.

    Args:
        h (Variable or ndarray): Previous state, float.
        x (Variable or ndarray): New state, of ``h``'s shape and dtype.
        ratio (float): Probability of keeping ``h``, in [0, 1].

    Returns:
        Variable: Of ``x``'s shape.

    Example:
        >>> y = F.zoneout(np.zeros(4, np.float32), np.ones(4, np.float32), ratio=0.5)
    """
    f = "zoneout"
    if "train" in kwargs:
        raise TypeError(f"{f}: the train argument is not supported; use "
                        f"rechain.using_config('train', ...)")
    if kwargs:
        raise TypeError(f"{f}: unexpected keyword arguments {sorted(kwargs)}")
    if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0 <= ratio <= 1:
        raise ValueError(f"{f}: ratio must be a float in [0, 1], got {ratio!r}")
    if type_check.enabled():
        type_check.expect_float(f, "h", h)
        type_check.expect_float(f, "x", x)
        type_check.expect_same_shape(f, ("h", "x"), (h, x))
        type_check.expect_same_dtype(f, ("h", "x"), (h, x))
    if not configuration.config.train:
        return variable.as_variable(x)
    xa = variable.as_array(x)
    xp = backend.get_array_module(xa)
    rdtype = xa.dtype if xa.dtype.itemsize >= 4 else numpy.dtype(numpy.float32)
    take_x = _random.get_generator(xp).random(xa.shape, dtype=rdtype) >= ratio
    m = take_x.astype(xa.dtype)
    return variable.as_variable(h) * (1 - m) + variable.as_variable(x) * m

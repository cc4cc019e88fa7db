"""gumbel_softmax: a relaxed one-hot sample of a categorical distribution.

The Gumbel noise ``-log(-log(u))`` is drawn from the framework stream
(``rechain.random``) outside the graph and added as a constant, so the result
is ``softmax((log_pi + g) / tau)``: differentiable to every order in
``log_pi``, and replayed exactly by ``F.forget``.
"""

import numpy

from rechain import backend
from rechain import random as _random
from rechain import variable
from rechain.functions.activation.softmax import softmax
from rechain.functions.array import _util
from rechain.utils import type_check


def _draw_gumbel(x):
    xp = backend.get_array_module(x)
    u = _random.get_generator(xp).random(x.shape)  # float64 in [0, 1)
    u = xp.maximum(u, numpy.finfo(numpy.float64).tiny)
    return (-xp.log(-xp.log(u))).astype(x.dtype)


def gumbel_softmax(log_pi, tau=0.1, axis=1):
    """Sample from the Gumbel-Softmax distribution (Jang et al., 2017).

    ``y = softmax((log_pi + g) / tau, axis)`` with ``g`` standard Gumbel noise.
    Small ``tau`` gives nearly one-hot samples.

    Args:
        log_pi (Variable or ndarray): Unnormalised log-probabilities, float.
        tau (float): Positive temperature.
        axis (int): The category axis.

    Returns:
        Variable: Of ``log_pi``'s shape; a 0-d ``log_pi`` gives 1 (as Chainer).

    Example:
        >>> y = F.gumbel_softmax(np.log(np.full((2, 3), 1 / 3, np.float32)), tau=0.5)
    """
    f = "gumbel_softmax"
    if type_check.enabled():
        type_check.expect_float(f, "log_pi", log_pi)
    if not tau > 0:
        raise ValueError(f"{f}: tau must be positive, got {tau}")
    x = variable.as_array(log_pi)
    xp = backend.get_array_module(x)
    if x.ndim == 0:
        return variable.Variable(xp.ones((), x.dtype), requires_grad=False)
    _util.normalize_axis(f, axis, x.shape, xname="log_pi")
    return softmax((log_pi + _draw_gumbel(x)) * (1.0 / tau), axis=axis)

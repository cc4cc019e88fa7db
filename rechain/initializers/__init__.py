"""Initializers: callables that fill a parameter array in place.

Every initializer is called as ``init(array)`` and overwrites ``array``.
Random initializers draw from the framework stream
(:func:`rechain.random.get_generator`), so ``rechain.random.seed(s)`` makes
model construction reproducible. :func:`generate_array` allocates and fills a
new array; :class:`rechain.Parameter` uses it for lazy initialisation.
"""

import numbers as _numbers

import numpy as _numpy

from rechain import backend as _backend
from rechain.initializers.base import Initializer  # noqa: F401
from rechain.initializers.base import generate_array  # noqa: F401
from rechain.initializers.base import get_fans  # noqa: F401
from rechain.initializers.constant import Constant  # noqa: F401
from rechain.initializers.constant import Identity  # noqa: F401
from rechain.initializers.constant import NaN  # noqa: F401
from rechain.initializers.constant import One  # noqa: F401
from rechain.initializers.constant import Zero  # noqa: F401
from rechain.initializers.normal import GlorotNormal  # noqa: F401
from rechain.initializers.normal import HeNormal  # noqa: F401
from rechain.initializers.normal import LeCunNormal  # noqa: F401
from rechain.initializers.normal import Normal  # noqa: F401
from rechain.initializers.orthogonal import Orthogonal  # noqa: F401
from rechain.initializers.sampling import DownsamplingConvFilter  # noqa: F401
from rechain.initializers.sampling import UpsamplingDeconvFilter  # noqa: F401
from rechain.initializers.uniform import GlorotUniform  # noqa: F401
from rechain.initializers.uniform import HeUniform  # noqa: F401
from rechain.initializers.uniform import LeCunUniform  # noqa: F401
from rechain.initializers.uniform import Uniform  # noqa: F401


def _get_initializer(initializer, default=None):
    """Turn a link's ``initialW``-style argument into an initializer.

    Args:
        initializer: None (use ``default``, itself LeCunNormal when None), a
            scalar or an array (a :class:`Constant`), or a callable (returned
            as is).
        default: The initializer used for None.

    Returns:
        A callable initializer.
    """
    if initializer is None:
        return LeCunNormal() if default is None else _get_initializer(default)
    if isinstance(initializer, _backend.array_types) or (
            isinstance(initializer, (_numbers.Number, _numpy.generic))
            and not isinstance(initializer, bool)):
        return Constant(initializer)
    if not callable(initializer):
        raise TypeError(f"initializer must be None, a scalar, an array or a callable "
                        f"initializer, not {type(initializer).__name__}")
    return initializer


__all__ = ["Initializer", "generate_array", "get_fans", "Constant", "Identity", "NaN",
           "One", "Zero", "Normal", "LeCunNormal", "GlorotNormal", "HeNormal", "Orthogonal",
           "Uniform", "LeCunUniform", "GlorotUniform", "HeUniform", "UpsamplingDeconvFilter",
           "DownsamplingConvFilter"]

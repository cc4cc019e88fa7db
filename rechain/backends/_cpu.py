"""``chainer.backends._cpu``: the CPU device class and the array-to-NumPy helper.

Chainer keeps these in a private module that its own tests import; rechain's
live in :mod:`rechain.backend` and :mod:`rechain._devices`.
"""

from rechain import backend as _backend
from rechain._devices import CpuDevice  # noqa: F401


def _to_cpu(array):
    """``array`` as a NumPy array (None stays None, a CuPy array is copied, a
    scalar becomes a 0-d array); a list or tuple of them element by element,
    as the same type."""
    if isinstance(array, (list, tuple)):
        return type(array)([_to_cpu(a) for a in array])
    return _backend._array_to_cpu(array)

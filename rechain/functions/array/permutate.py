"""permutate: reorder a variable along one axis by a permutation."""

import numpy

from rechain import backend
from rechain import variable
from rechain.functions.array import _util
from rechain.functions.array.get_item import get_item


def _inverse(indices, xp):
    inv = xp.empty_like(indices)
    inv[indices] = xp.arange(len(indices), dtype=indices.dtype)
    return inv


def permutate(x, indices, axis=0, inv=False):
    """``y`` with ``y.take(i, axis) = x.take(indices[i], axis)``, or the inverse.

    With ``inv=True``, ``x.take(indices[i], axis)`` lands at position ``i``
    in reverse: ``y.take(indices[i], axis) = x.take(i, axis)``. The gradient
    is the opposite permutation (a gather, differentiable again).

    Args:
        x (Variable or ndarray): Input.
        indices (ndarray or Variable): A 1-d integer permutation of
            ``range(x.shape[axis])``.
        axis (int): The axis to permute.
        inv (bool): Apply the inverse permutation.

    Returns:
        Variable: Of ``x``'s shape.

    Example:
        >>> F.permutate(np.array([1., 2., 3.], np.float32), np.array([2, 0, 1])).array
        array([3., 1., 2.], dtype=float32)
    """
    f = "permutate"
    _util.check_input(f, x)
    indices = variable.as_array(indices)
    if not hasattr(indices, "dtype") or indices.dtype.kind not in "iu" or indices.ndim != 1:
        raise ValueError(f"{f}: indices must be a 1-d integer array, got "
                         f"{getattr(indices, 'dtype', type(indices).__name__)} of shape "
                         f"{tuple(getattr(indices, 'shape', ()))}")
    axis = _util.normalize_axis(f, axis, x.shape)
    n = x.shape[axis]
    xp = backend.get_array_module(indices)
    host = numpy.asarray(indices.get() if xp is not numpy else indices)
    if len(host) != n or not numpy.array_equal(numpy.sort(host), numpy.arange(n)):
        raise ValueError(f"{f}: indices {host.tolist() if n <= 20 else '(long)'} is not a "
                         f"permutation of range({n}) (axis {axis} of x of shape "
                         f"{tuple(x.shape)})")
    if inv:
        indices = _inverse(indices, xp)
    return get_item(x, (slice(None),) * axis + (indices,))

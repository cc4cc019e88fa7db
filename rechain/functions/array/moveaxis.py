"""moveaxis: move axes to new positions."""

from rechain.functions.array import _util
from rechain.functions.array.transpose import transpose
from rechain.utils import type_check


def moveaxis(x, source, destination):
    """Move axes ``source`` of ``x`` to positions ``destination``.

    Same semantics as ``numpy.moveaxis``; the other axes keep their order.
    Implemented as a transpose.

    Args:
        x (Variable or ndarray): Input.
        source (int or sequence of int): Axes to move.
        destination (int or sequence of int): Their new positions.

    Returns:
        Variable: ``x`` with its axes reordered.

    Example:
        >>> F.moveaxis(np.zeros((2, 3, 4), np.float32), 0, -1).shape
        (3, 4, 2)
    """
    _util.check_input("moveaxis", x)
    src = _util.normalize_axes("moveaxis", source, x.shape, "source")
    dst = _util.normalize_axes("moveaxis", destination, x.shape, "destination")
    if len(src) != len(dst):
        raise type_check.InvalidType(
            f"moveaxis: source {source} and destination {destination} must have the "
            f"same number of axes (x shape {x.shape})")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))

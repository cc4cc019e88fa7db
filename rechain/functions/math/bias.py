"""bias: add an array broadcast along a run of axes."""

from rechain.functions.math.scale import expand_along


def bias(x, y, axis=1):
    """Elementwise sum with ``y`` broadcast along the axes of ``x`` it does not cover.

    ``y``'s shape must equal ``x.shape[axis:axis + y.ndim]``; ``y`` is
    repeated over every other axis (for example a per-channel offset with
    ``axis=1``).

    Args:
        x (Variable or ndarray): Input.
        y (Variable or ndarray): Offsets, of ``x``'s dtype.
        axis (int): First axis of ``x`` that ``y``'s first axis matches.

    Returns:
        Variable: ``x + y`` (broadcast), of ``x``'s shape.

    Example:
        >>> F.bias(np.zeros((1, 2), np.float32), np.array([1., 2.], np.float32)).array
        array([[1., 2.]], dtype=float32)
    """
    return x + expand_along("bias", x, y, axis)

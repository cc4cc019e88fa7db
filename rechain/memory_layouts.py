"""``chainer.memory_layouts``: the names of Chainer's array memory layouts.

rechain keeps every array in the standard layout (channel first, the
``None`` layout); Chainer's cuDNN channel-last layouts are named here so
code that mentions them imports, but no rechain array or Variable ever has
one. :func:`get_raw_shape` and :func:`get_semantic_shape` are therefore
the array's own shape.
"""

CUDNN_CHANNEL_FIRST_X = None
CUDNN_CHANNEL_LAST_X = "CUDNN_CHANNEL_LAST_X"
CUDNN_CHANNEL_FIRST_W = None
CUDNN_CHANNEL_LAST_W = "CUDNN_CHANNEL_LAST_W"

_unspecified = object()


def _shape(arr_or_var):
    return tuple(arr_or_var.shape)


def get_raw_shape(arr_or_var):
    """The shape of the underlying array (the standard layout's shape here)."""
    return _shape(arr_or_var)


def get_semantic_shape(arr_or_var, *, assumed_layout=_unspecified):
    """The shape in the standard layout.

    Raises:
        ValueError: for a channel-last ``assumed_layout``, which rechain has not.
    """
    if assumed_layout not in (_unspecified, None):
        raise ValueError(f"get_semantic_shape: rechain keeps arrays in the standard "
                         f"layout only, got assumed_layout={assumed_layout!r}")
    return _shape(arr_or_var)

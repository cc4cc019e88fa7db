"""pad_sequence: pad variable-length sequences to one length and stack them."""

from rechain.functions.array import _util
from rechain.functions.array.pad import pad
from rechain.functions.array.stack import stack
from rechain.utils import type_check


def pad_sequence(xs, length=None, padding=0):
    """Stack sequences ``xs[i]`` of shape ``(L_i, ...)`` into ``(len(xs), length, ...)``.

    Positions past a sequence's end hold ``padding``; they get no gradient.

    Args:
        xs (list of Variable or ndarray): Sequences of one dtype whose shapes
            agree after axis 0 (at least 1-d).
        length (int or None): The padded length; None takes the longest sequence's.
        padding (scalar): The fill value.

    Returns:
        Variable: ``(len(xs), length) + xs[0].shape[1:]``.

    Example:
        >>> F.pad_sequence([np.ones(2, np.float32), np.ones(1, np.float32)], padding=-1).array
        array([[ 1.,  1.],
               [ 1., -1.]], dtype=float32)
    """
    f = "pad_sequence"
    if not isinstance(xs, (list, tuple)) or len(xs) == 0:
        raise ValueError(f"{f}: xs must be a non-empty list of arrays or Variables")
    for i, x in enumerate(xs):
        _util.check_input(f, x, f"xs[{i}]")
        type_check.expect_ndim(f, f"xs[{i}]", x, 1, at_least=True)
    x0 = xs[0]
    for i, x in enumerate(xs[1:], 1):
        if tuple(x.shape[1:]) != tuple(x0.shape[1:]):
            raise type_check.InvalidType(
                f"{f}: xs[{i}] of shape {tuple(x.shape)} does not match xs[0] of shape "
                f"{tuple(x0.shape)} after axis 0")
        if x.dtype != x0.dtype:
            raise type_check.InvalidType(f"{f}: xs[0] and xs[{i}] must have the same dtype, "
                                         f"got {x0.dtype} and {x.dtype}")
    longest = max(x.shape[0] for x in xs)
    if length is None:
        length = longest
    elif not _util.is_int(length) or length < longest:
        i = max(range(len(xs)), key=lambda i: xs[i].shape[0])
        raise ValueError(f"{f}: length={length!r} is shorter than xs[{i}] (shape "
                         f"{tuple(xs[i].shape)})")
    rest = ((0, 0),) * (x0.ndim - 1)
    return stack([pad(x, ((0, length - x.shape[0]),) + rest, constant_values=padding)
                  for x in xs], axis=0)

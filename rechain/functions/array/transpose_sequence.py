"""transpose_sequence: turn a batch of sequences into a sequence of batches.

``B`` sequences sorted by non-increasing length, ``xs[i]`` of shape
``(len_i, ...)``, become ``max(len_i)`` time steps: step ``t`` stacks
``xs[i][t]`` for every sequence with ``len_i > t``, so its batch size
``#{i : len_i > t}`` is non-increasing in ``t`` too. Applied to its own
output the transform gives its input back, which makes the gradient a
transpose_sequence as well (and so differentiable to any order).
"""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.utils import type_check

_constant = variable.Variable._constant


def _transpose(xp, arrays, n_out, unit, dtype):
    """Rows ``arrays[i][t]`` regrouped by ``t`` into ``n_out`` arrays."""
    outs = []
    for t in range(n_out):
        rows = [a[t] for a in arrays if a.shape[0] > t]
        if rows:
            outs.append(xp.stack(rows))
        else:
            outs.append(xp.empty((0,) + unit, dtype=dtype))
    return tuple(outs)


class TransposeSequence(function_node.FunctionNode):
    """Inputs: ``B`` sequences by non-increasing length; outputs: ``max length`` steps."""

    def __init__(self, n_out):
        self.n_out = n_out

    def forward(self, inputs):
        x0 = inputs[0]
        self._in_shapes = tuple([x.shape for x in inputs])
        return _transpose(backend.get_array_module(*inputs), inputs, self.n_out,
                          x0.shape[1:], x0.dtype)

    def backward(self, indexes, grad_outputs):
        ref = next((g for g in grad_outputs if g is not None), None)
        if ref is None:
            return (None,) * len(indexes)
        xp = backend.get_array_module(ref.array)
        unit = self._in_shapes[0][1:]
        gys = tuple([g if g is not None
                     else _constant(xp.zeros((self._batch(t),) + unit, dtype=ref.dtype))
                     for t, g in enumerate(grad_outputs)])
        gxs = TransposeSequence(len(self._in_shapes)).apply(gys)
        return tuple([gxs[i] for i in indexes])

    def _batch(self, t):
        return sum(1 for s in self._in_shapes if s[0] > t)


def _check(xs):
    fname = "transpose_sequence"
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__"):
        raise TypeError(f"{fname}: xs must be a list of Variables or arrays, not "
                        f"{type(xs).__name__}")
    for i, x in enumerate(xs):
        if not hasattr(x, "shape") or not hasattr(x, "dtype"):
            raise TypeError(f"{fname}: xs[{i}] must be a Variable or an ndarray, not "
                            f"{type(x).__name__}")
        if x.ndim == 0:
            raise type_check.InvalidType(f"{fname}: xs[{i}] is zero-dimensional (shape ()); "
                                         f"each sequence needs a length axis")
    if len(xs) == 0:
        return
    x0 = xs[0]
    for i in range(1, len(xs)):
        x, prev = xs[i], xs[i - 1]
        if x.shape[0] > prev.shape[0]:
            raise type_check.InvalidType(
                f"{fname}: xs must be sorted by non-increasing length, but xs[{i}] has "
                f"length {x.shape[0]} (shape {tuple(x.shape)}) > length {prev.shape[0]} of "
                f"xs[{i - 1}] (shape {tuple(prev.shape)})")
        if x.shape[1:] != x0.shape[1:]:
            raise type_check.InvalidType(
                f"{fname}: xs[{i}] of shape {tuple(x.shape)} does not match xs[0] of shape "
                f"{tuple(x0.shape)}: all dimensions but the first must be equal")
        if x.dtype != x0.dtype:
            raise type_check.InvalidType(
                f"{fname}: xs[{i}] has dtype {x.dtype} but xs[0] has dtype {x0.dtype}")


def transpose_sequence(xs):
    """Transpose a list of sequences into a list of time steps.

    ``[(0, 1, 2, 3), (4, 5), (6,)]`` becomes ``[(0, 4, 6), (1, 5), (2,), (3,)]``.
    This is the layout :func:`n_step_lstm` and the other ``n_step_*``
    functions take; applied again it restores the original list.

    Args:
        xs (list of Variable or ndarray): Sequences ``(len_i, ...)`` sorted by
            non-increasing ``len_i``, with equal trailing shapes and dtypes.

    Returns:
        tuple of Variable: ``max(len_i)`` arrays; the ``t``-th has shape
        ``(#{i : len_i > t}, ...)``. An empty ``xs`` gives ``()``.

    Example:
        >>> ys = F.transpose_sequence([np.ones((3, 2)), np.ones((1, 2))])
        >>> [y.shape for y in ys]
        [(2, 2), (1, 2), (1, 2)]
    """
    _check(xs)
    if len(xs) == 0:
        return ()
    n_out = xs[0].shape[0]
    if n_out == 0:
        return ()
    return TransposeSequence(n_out).apply(tuple(xs))

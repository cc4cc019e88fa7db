"""tensordot: sum-products over paired axes of two arrays (numpy.tensordot)."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.transpose import transpose
from rechain.utils import type_check


def _order_of(result_axes, n):
    """The transpose taking an array whose axis k is operand axis
    ``result_axes[k]`` back to the operand's axis order."""
    perm = [0] * n
    for k, ax in enumerate(result_axes):
        perm[ax] = k
    return tuple(perm)


class TensorDot(function_node.FunctionNode):
    """c = tensordot(a, b, (ca, cb)); its shape is a's free axes then b's.

    ga = tensordot(gy, b) over b's free axes, gb = tensordot(a, gy) over a's
    free axes, each transposed back to its operand's axis order; both are
    TensorDot nodes again, so gradients of every order follow.

    Operands of different dtypes give NumPy's result type (as in Chainer);
    ``dtype`` casts the result (backward uses it to give each operand's
    gradient that operand's dtype).
    """

    def __init__(self, a_axes, b_axes, dtype=None):
        self.a_axes = tuple(a_axes)
        self.b_axes = tuple(b_axes)
        self.dtype = dtype

    def forward(self, inputs):
        a, b = inputs
        self.retain_inputs((0, 1))
        xp = backend.get_array_module(a, b)
        c = xp.asarray(xp.tensordot(a, b, (self.a_axes, self.b_axes)))
        if self.dtype is not None and c.dtype != self.dtype:
            c = c.astype(self.dtype)
        return c,

    def backward(self, indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        gy, = grad_outputs
        ca, cb = self.a_axes, self.b_axes
        fa = [i for i in range(a.ndim) if i not in ca]
        fb = [i for i in range(b.ndim) if i not in cb]
        ret = []
        for i in indexes:
            if i == 0:
                gy_fb = tuple(range(len(fa), len(fa) + len(fb)))
                g = TensorDot(gy_fb, fb, a.dtype).apply((gy, b))[0]
                # g's axes: fa, then b's contracted axes in b's order (each
                # standing for the a axis it pairs with).
                rest = [ca[cb.index(j)] for j in sorted(cb)]
                perm = _order_of(fa + rest, a.ndim)
            else:
                g = TensorDot(tuple(fa), tuple(range(len(fa))), b.dtype).apply((a, gy))[0]
                rest = [cb[ca.index(j)] for j in sorted(ca)]
                perm = _order_of(rest + fb, b.ndim)
            if perm != tuple(range(len(perm))):
                g = transpose(g, perm)
            ret.append(g)
        return tuple(ret)


def _axes(fname, axes, a, b):
    if isinstance(axes, int) and not isinstance(axes, bool):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise type_check.InvalidType(
                f"{fname}: axes={axes} must be in [0, {min(a.ndim, b.ndim)}] for a of shape "
                f"{tuple(a.shape)} and b of shape {tuple(b.shape)}")
        return tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes))
    try:
        aa, bb = axes
    except (TypeError, ValueError):  # InvalidType: Chainer raises ValueError here
        raise type_check.InvalidType(f"{fname}: axes must be an int or a pair of sequences "
                                     f"of ints, got {axes!r}") from None
    aa = (aa,) if isinstance(aa, int) else tuple(aa)
    bb = (bb,) if isinstance(bb, int) else tuple(bb)
    if len(aa) != len(bb):
        raise type_check.InvalidType(f"{fname}: axes pairs {len(aa)} axes of a with "
                                     f"{len(bb)} of b: {axes!r}")
    aa = tuple(type_check.normalize_axis(fname, x, a.ndim, "axes (of a)", a.shape) for x in aa)
    bb = tuple(type_check.normalize_axis(fname, x, b.ndim, "axes (of b)", b.shape) for x in bb)
    if len(set(aa)) != len(aa) or len(set(bb)) != len(bb):
        raise type_check.InvalidType(f"{fname}: axes repeats an axis: {axes!r}")
    return aa, bb


def tensordot(a, b, axes=2):
    """Tensor dot product: the sum of products over paired axes of ``a`` and ``b``.

    Args:
        a (Variable or ndarray): First operand, of a floating-point dtype.
        b (Variable or ndarray): Second operand, of a floating-point dtype (with
            ``a``'s, the result's dtype is NumPy's promotion of the two).
        axes (int or pair of sequences of int): An int ``n`` pairs the last
            ``n`` axes of ``a`` with the first ``n`` of ``b``; a pair
            ``(axes_a, axes_b)`` names the paired axes.

    Returns:
        Variable: Shape: ``a``'s unpaired axes, then ``b``'s.

    Example:
        >>> F.tensordot(np.ones((5, 3, 2)), np.ones((3, 2, 4)), axes=2).shape
        (5, 4)
    """
    if type_check.enabled():
        type_check.expect_float("tensordot", "a", a)
        type_check.expect_float("tensordot", "b", b)
    aa, bb = _axes("tensordot", axes, a, b)
    for i, j in zip(aa, bb):
        if a.shape[i] != b.shape[j]:
            raise type_check.InvalidType(
                f"tensordot: axis {i} of a (shape {tuple(a.shape)}) has length {a.shape[i]} "
                f"but the paired axis {j} of b (shape {tuple(b.shape)}) has {b.shape[j]}")
    return TensorDot(aa, bb).apply((a, b))[0]

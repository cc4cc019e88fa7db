"""select_item: pick one element per row, ``y[i] = x[i, t[i]]``."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class SelectItem(function_node.FunctionNode):
    """Inputs ``(x, t)``, x ``(B, K)``, t ``(B,)`` integer; output ``(B,)``.

    The selection is linear in ``x``: its gradient scatters ``gy`` back into
    the chosen positions (:class:`SelectItemGrad`), whose own gradient is a
    selection again. Only ``t`` is retained.
    """

    @property
    def label(self):
        return "SelectItem"

    def forward(self, inputs):
        x, t = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((1,))
        self._k = x.shape[1]
        return x[xp.arange(x.shape[0]), t],

    def backward(self, indexes, grad_outputs):
        t, = self.get_retained_inputs()
        ret = []
        for i in indexes:
            ret.append(SelectItemGrad(self._k).apply((t, grad_outputs[0]))[0] if i == 0
                       else None)
        return tuple(ret)


class SelectItemGrad(function_node.FunctionNode):
    """Inputs ``(t, gy)``: ``gx`` ``(B, K)`` zero except ``gx[i, t[i]] = gy[i]``."""

    def __init__(self, k):
        self.k = k

    def forward(self, inputs):
        t, gy = inputs
        xp = backend.get_array_module(gy)
        self.retain_inputs((0,))
        gx = xp.zeros((gy.shape[0], self.k), dtype=gy.dtype)
        gx[xp.arange(gy.shape[0]), t] = gy
        return gx,

    def backward(self, indexes, grad_outputs):
        t, = self.get_retained_inputs()
        ret = []
        for i in indexes:
            ret.append(SelectItem().apply((grad_outputs[0], t))[0] if i == 1 else None)
        return tuple(ret)


def select_item(x, t):
    """Select one element of each row: ``y[i] = x[i, t[i]]``.

    Args:
        x (Variable or ndarray): ``(B, K)`` array of a floating-point dtype.
        t (Variable or ndarray): ``(B,)`` integer indices, each in ``[0, K)``
            (negative indices are not accepted).

    Returns:
        Variable: ``(B,)`` of ``x``'s dtype.

    Example:
        >>> F.select_item(np.array([[1., 2.], [3., 4.]], np.float32),
        ...               np.array([1, 0], np.int32)).array
        array([2., 3.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("select_item", "x", x)
        type_check.expect_kind("select_item", "t", t, "iu", "an integer")
        if x.ndim != 2:
            raise type_check.InvalidType(f"select_item: x must be 2-d (B, K), got shape "
                                         f"{tuple(x.shape)}")
        if t.ndim != 1 or t.shape[0] != x.shape[0]:
            raise type_check.InvalidType(
                f"select_item: t must be 1-d with x.shape[0] = {x.shape[0]} elements, got "
                f"shape {tuple(t.shape)} (x {tuple(x.shape)})")
        ids = getattr(t, "array", t)
        if ids.size:
            xp = backend.get_array_module(ids)
            bad = (ids < 0) | (ids >= x.shape[1])
            if bool(bad.any()):
                pos = int(xp.argwhere(bad)[0, 0])
                raise ValueError(f"select_item: t[{pos}] = {int(ids[pos])} is out of range "
                                 f"for x of shape {tuple(x.shape)} (must be in "
                                 f"[0, {x.shape[1]}))")
    t = getattr(t, "array", t)
    return SelectItem().apply((x, t))[0]

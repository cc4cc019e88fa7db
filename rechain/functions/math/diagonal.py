"""diagonal: (batched) diagonals of matrices, and its gradient's inverse."""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class Diagonal(function_node.FunctionNode):
    """The diagonal at ``offset`` of the matrices on axes (axis1, axis2), moved
    to the last axis (NumPy's layout); the gradient writes it back."""

    def __init__(self, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, inputs):
        x, = inputs
        self._in_shape = x.shape
        xp = backend.get_array_module(x)
        return xp.ascontiguousarray(xp.diagonal(x, self.offset, self.axis1, self.axis2)),

    def backward(self, indexes, grad_outputs):
        return DiagonalGrad(self._in_shape, self.offset, self.axis1,
                            self.axis2).apply(grad_outputs)


class DiagonalGrad(function_node.FunctionNode):
    """Zeros of ``shape`` with the diagonal set to the input (linear; its
    gradient is :class:`Diagonal`)."""

    def __init__(self, shape, offset, axis1, axis2):
        self.shape, self.offset, self.axis1, self.axis2 = shape, offset, axis1, axis2

    def forward(self, inputs):
        gy, = inputs
        xp = backend.get_array_module(gy)
        gx = xp.zeros(self.shape, gy.dtype)
        # A writeable view with the matrix axes last; the diagonal is then
        # [..., i, i + offset], laid out as numpy.diagonal lays it out.
        view = xp.moveaxis(gx, (self.axis1, self.axis2), (-2, -1))
        k = gy.shape[-1]
        rows = xp.arange(k) + max(-self.offset, 0)
        view[..., rows, rows + self.offset] = gy
        return gx,

    def backward(self, indexes, grad_outputs):
        return Diagonal(self.offset, self.axis1, self.axis2).apply(grad_outputs)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonals of ``x`` on the axes ``(axis1, axis2)``, as :func:`numpy.diagonal`.

    Other axes are batch axes; the diagonal becomes the last axis.

    Args:
        x (Variable or ndarray): Input of at least two dimensions.
        offset (int): Offset from the main diagonal (positive: above it).
        axis1 (int): The axis of the rows.
        axis2 (int): The axis of the columns.

    Returns:
        Variable: The (batched) diagonals.

    Example:
        >>> F.diagonal(np.arange(9.).reshape(3, 3), offset=1).array
        array([1., 5.])
    """
    if type_check.enabled():
        type_check.expect_array("diagonal", "x", x)
        type_check.expect_ndim("diagonal", "x", x, 2, at_least=True)
    for n, v in (("offset", offset), ("axis1", axis1), ("axis2", axis2)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"diagonal: {n} must be an int, not {type(v).__name__}")
    a1 = type_check.normalize_axis("diagonal", axis1, x.ndim, "axis1", x.shape)
    a2 = type_check.normalize_axis("diagonal", axis2, x.ndim, "axis2", x.shape)
    if a1 == a2:
        raise type_check.InvalidType(f"diagonal: axis1 and axis2 must differ, got {axis1} "
                                     f"and {axis2} for x of shape {tuple(x.shape)}")
    return Diagonal(offset, a1, a2).apply((x,))[0]

"""prod and cumprod: products over an axis, with zero-safe gradients.

The gradient of a product with respect to one factor is the product of the
others; dividing the output by the factor fails at zeros, so where there are
zeros both functions build it from running products instead (prod divides
when there are none, which is cheaper). cumprod's gradient is the linear
recurrence ``u_i = gy_i + x_{i+1} u_{i+1}`` run from the end of the axis,
times the running product before each element; :class:`Recurrence` is that
recurrence as a differentiable node (its gradient is the same recurrence run
the other way), so every order of derivative is available.
"""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.concat import concat
from rechain.functions.array.flip import flip
from rechain.functions.array.moveaxis import moveaxis
from rechain.functions.array.reshape import reshape
from rechain.utils import type_check


def _along(axis, s):
    """The index ``s`` along ``axis`` (all of every other axis)."""
    return (slice(None),) * axis + (s,)


class Recurrence(function_node.FunctionNode):
    """z_0 = b_0, z_i = a_i z_(i-1) + b_i along ``axis`` (a_0 is not used).

    With L = sum_i g_i z_i, dL/db = u with u_i = g_i + a_(i+1) u_(i+1) (the
    recurrence from the end), and dL/da_i = u_i z_(i-1) for i >= 1.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        a, b = inputs
        xp = backend.get_array_module(b)
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        z = xp.array(b, copy=True)
        zt = xp.moveaxis(z, self.axis, 0)
        at = xp.moveaxis(a, self.axis, 0)
        for i in range(1, zt.shape[0]):
            zt[i] += at[i] * zt[i - 1]
        return z,

    def backward(self, indexes, grad_outputs):
        a, = self.get_retained_inputs()
        z, = self.get_retained_outputs()
        ax = self.axis
        u = reverse_recurrence(a, grad_outputs[0], ax)
        ret = []
        for i in indexes:
            if i == 1:
                ret.append(u)
            else:
                head = u.array[_along(ax, slice(0, 1))] * 0
                ret.append(concat((head, u[_along(ax, slice(1, None))]
                                   * z[_along(ax, slice(None, -1))]), ax))
        return tuple(ret)


def reverse_recurrence(a, g, axis):
    """u_i = g_i + a_(i+1) u_(i+1) along ``axis``, from its end (differentiable)."""
    xp = backend.get_array_module(g)
    pad = xp.zeros_like(g.array[_along(axis, slice(0, 1))] if hasattr(g, "array")
                        else g[_along(axis, slice(0, 1))])
    shifted = concat((a[_along(axis, slice(1, None))], pad), axis)
    return flip(Recurrence(axis).apply((flip(shifted, axis), flip(g, axis)))[0], axis)


class Cumprod(function_node.FunctionNode):
    """y_i = x_0 x_1 ... x_i along ``axis``."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        return backend.get_array_module(x).cumprod(x, axis=self.axis),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        y, = self.get_retained_outputs()
        ax = self.axis
        u = reverse_recurrence(x, grad_outputs[0], ax)
        ones = backend.get_array_module(x).ones_like(x.array[_along(ax, slice(0, 1))])
        before = concat((ones, y[_along(ax, slice(None, -1))]), ax)
        return u * before,


def _others(x):
    """For x of shape (..., n): prod_{k != j} x_k at each j, from running
    products from both ends (no division, so zeros are fine)."""
    xp = backend.get_array_module(x)
    ones = xp.ones(x.shape[:-1] + (1,), x.dtype)
    left = concat((ones, Cumprod(x.ndim - 1).apply((x[..., :-1],))[0]), -1)
    xr = flip(x, -1)
    right = flip(concat((ones, Cumprod(x.ndim - 1).apply((xr[..., :-1],))[0]), -1), -1)
    return left * right


class Prod(function_node.FunctionNode):
    """Product over ``axis`` (a sorted tuple of axes, or None for all)."""

    def __init__(self, axis, keepdims):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, inputs):
        x, = inputs
        self.retain_inputs((0,))
        self.retain_outputs((0,))
        xp = backend.get_array_module(x)
        return xp.asarray(x.prod(axis=self.axis, keepdims=self.keepdims)),

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        gy, = grad_outputs
        if x.size and not bool((x.array == 0).any()):
            # No zero factor: the product of the others is y / x (a few nodes
            # instead of the running products).
            y, = self.get_retained_outputs()
            axes = tuple(range(x.ndim)) if self.axis is None else self.axis
            kept = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
            return broadcast_to(reshape(gy * y, kept), x.shape) / x,
        shape = x.shape
        axes = tuple(range(x.ndim)) if self.axis is None else self.axis
        if not axes:
            return gy,
        kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
        gy = broadcast_to(reshape(gy, kept), shape)
        if x.size == 0:  # an empty gradient (and no running products to take)
            return gy,
        # Gather the reduced axes at the end as one axis of length n.
        rest = [i for i in range(x.ndim) if i not in axes]
        moved = moveaxis(x, axes, tuple(range(len(rest), x.ndim)))
        mshape = moved.shape
        flat = reshape(moved, mshape[:len(rest)] + (-1,))
        others = reshape(_others(flat), mshape)
        others = moveaxis(others, tuple(range(len(rest), x.ndim)), axes)
        return gy * others,


def _check(fname, x):
    if type_check.enabled():
        type_check.expect_float(fname, "x", x)


def prod(x, axis=None, keepdims=False):
    """Product of the elements of ``x`` over ``axis``.

    The gradient is exact where elements are zero (it is the product of the
    other elements, built without dividing by the output).

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (None, int or tuple of int): Axes to multiply over (all when None).
        keepdims (bool): Keep the reduced axes with length one.

    Returns:
        Variable: The product.

    Example:
        >>> F.prod(np.array([[1., 2.], [3., 4.]], np.float32), axis=1).array
        array([ 2., 12.], dtype=float32)
    """
    _check("prod", x)
    if axis is not None:
        if isinstance(axis, list):  # as Chainer: a tuple, not a list
            raise TypeError("prod: axis must be None, an int or a tuple of ints, not list")
        axis = type_check.normalize_axes("prod", axis, x.ndim, shape=x.shape)
    return Prod(axis, bool(keepdims)).apply((x,))[0]


def cumprod(x, axis=None):
    """Cumulative product of the elements of ``x`` along ``axis``.

    Args:
        x (Variable or ndarray): Input of a floating-point dtype.
        axis (int or None): Axis to accumulate along; None flattens ``x`` first
            (the result is then 1-d, as with :func:`numpy.cumprod`).

    Returns:
        Variable: The running products, same dtype as ``x``.

    Example:
        >>> F.cumprod(np.array([1., 2., 3.], np.float32)).array
        array([1., 2., 6.], dtype=float32)
    """
    _check("cumprod", x)
    if axis is None:
        return Cumprod(0).apply((reshape(x, (x.size,)),))[0]
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise TypeError(f"cumprod: axis must be an int or None, not {type(axis).__name__}")
    try:  # like NumPy, a 0-d input counts as 1-d
        axis = type_check.normalize_axis("cumprod", axis, x.ndim or 1)
    except type_check.InvalidType as e:
        raise type_check.InvalidType(f"{e} (x shape {tuple(x.shape)})") from None
    if x.ndim == 0:
        x = reshape(x, (1,))
    return Cumprod(axis).apply((x,))[0]

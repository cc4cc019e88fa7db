"""prelu: parametric ReLU with a learned slope for the negative part."""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.array.where import where
from rechain.functions.math.sum import sum as _sum
from rechain.utils import type_check


def _w_view_shape(x_ndim, w_shape):
    """Shape that lines ``W`` up with axes ``1 .. W.ndim`` of ``x``."""
    return (1,) + tuple(w_shape) + (1,) * (x_ndim - 1 - len(w_shape))


def _reduced_axes(x_ndim, w_ndim):
    return (0,) + tuple(range(1 + w_ndim, x_ndim))


class PReLUFunction(function_node.FunctionNode):
    """Inputs ``(x, W)``: ``y = x`` where ``x >= 0``, ``W * x`` elsewhere.

    ``W`` applies along axes ``1 .. W.ndim`` of ``x``. Retains both inputs;
    the backward is written with differentiable ops, so it can itself be
    differentiated.
    """

    @property
    def label(self):
        return "PReLU"

    def forward(self, inputs):
        x, W = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0, 1))
        w = W.reshape(_w_view_shape(x.ndim, W.shape))
        return xp.asarray(xp.where(x >= 0, x, x * w)),

    def backward(self, indexes, grad_outputs):
        x, W = self.get_retained_inputs()
        gy, = grad_outputs
        neg = x.array < 0
        ret = []
        for i in indexes:
            if i == 0:
                wb = broadcast_to(reshape(W, _w_view_shape(x.ndim, W.shape)), x.shape)
                ret.append(where(neg, gy * wb, gy))
            else:
                ret.append(_sum(where(neg, gy * x, 0.0), axis=_reduced_axes(x.ndim, W.ndim)))
        return tuple(ret)


def prelu(x, W):
    """Parametric ReLU: ``y = x`` where ``x >= 0``, ``y = W * x`` elsewhere.

    ``W``'s shape must equal ``x.shape[1:1 + W.ndim]``: a slope per channel
    (``W`` of shape ``(C,)``), or per channel and position, shared along
    the batch axis and any trailing axes.

    Args:
        x (Variable or ndarray): Input ``(N, ...)`` of a floating-point dtype.
        W (Variable or ndarray): Slopes, of ``x``'s dtype.

    Returns:
        Variable: Output of ``x``'s shape and dtype.

    Example:
        >>> F.prelu(np.array([[-2., 3.]], np.float32), np.array([0.5, 0.1], np.float32)).array
        array([[-1.,  3.]], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("prelu", "x", x)
        type_check.expect_float("prelu", "W", W)
        if x.dtype != W.dtype:
            raise type_check.InvalidType(f"prelu: x and W must have the same dtype, got "
                                         f"x {x.dtype} and W {W.dtype}")
        if x.ndim < 1 + W.ndim or tuple(x.shape[1:1 + W.ndim]) != tuple(W.shape):
            raise type_check.InvalidType(
                f"prelu: W's shape must equal x.shape[1:1 + W.ndim]; got W {tuple(W.shape)} "
                f"for x {tuple(x.shape)}")
    return PReLUFunction().apply((x, W))[0]

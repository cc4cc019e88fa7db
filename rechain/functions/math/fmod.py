"""fmod: remainder of a division, with the sign of the dividend."""

from rechain import backend
from rechain import function_node
from rechain import variable
from rechain.functions.array.broadcast import sum_to
from rechain.utils import type_check


class Fmod(function_node.FunctionNode):
    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, d = inputs
        self._shapes = (x.shape, d.shape)
        return backend.get_array_module(x, d).fmod(x, d),

    def backward(self, indexes, grad_outputs):
        # fmod(x, d) = x - d * trunc(x / d); trunc is piecewise constant.
        gy, = grad_outputs
        x, d = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        ret = []
        for i in indexes:
            if i == 0:
                g = gy
            else:
                g = gy * variable.Variable._constant(-xp.trunc(x.array / d.array))
            shape = self._shapes[i]
            ret.append(g if g.shape == shape else sum_to(g, shape))
        return tuple(ret)


def fmod(x, divisor):
    """Elementwise remainder of ``x / divisor`` with the sign of ``x`` (C's fmod).

    Broadcasts like NumPy. The gradient is 1 for ``x`` and ``-trunc(x / divisor)``
    for ``divisor``.

    Args:
        x (Variable or ndarray): Dividend, floating point.
        divisor (Variable or ndarray): Divisor, same dtype as ``x``.

    Returns:
        Variable: ``x - divisor * trunc(x / divisor)``.

    Example:
        >>> F.fmod(np.array([-7., 7.], np.float32), np.array([3., 3.], np.float32)).array
        array([-1.,  1.], dtype=float32)
    """
    if type_check.enabled():
        type_check.expect_float("fmod", "x", x)
        type_check.expect_float("fmod", "divisor", divisor)
        if x.dtype != divisor.dtype:
            raise type_check.InvalidType(
                f"fmod: x and divisor must have the same dtype, got x {x.dtype} "
                f"{tuple(x.shape)} and divisor {divisor.dtype} {tuple(divisor.shape)}")
        if x.shape != divisor.shape:
            type_check.broadcast_shapes("fmod", ("x", "divisor"), (x.shape, divisor.shape))
    return Fmod().apply((x, divisor))[0]

"""Helpers shared by the distributions."""

from rechain import backend
from rechain import function_node
from rechain import variable


class XLogX(function_node.FunctionNode):
    """y = x log x, with y = 0 at x = 0 (its limit); the gradient at 0 is taken as 0."""

    def forward(self, inputs):
        x, = inputs
        xp = backend.get_array_module(x)
        self.retain_inputs((0,))
        pos = x > 0
        safe = xp.where(pos, x, 1)
        return xp.asarray(xp.where(pos, x * xp.log(safe), 0).astype(x.dtype, copy=False)),

    def backward(self, indexes, grad_outputs):
        from rechain.functions.array.where import where
        from rechain.functions.math.exponential import log
        x, = self.get_retained_inputs()
        xp = backend.get_array_module(x.array)
        pos = x.array > 0
        # d/dx x log x = 1 + log x where x > 0; 0 where x == 0 (no finite value).
        # ``where`` keeps x in the graph, so the second derivative is 1 / x.
        safe = where(pos, x, xp.ones_like(x.array))
        mask = variable._constant(pos.astype(x.dtype))
        return grad_outputs[0] * ((log(safe) + 1) * mask),


def xlogx(x):
    """Elementwise ``x * log(x)``, 0 where ``x`` is 0 (entropies of discrete laws).

    Example:
        >>> xlogx(numpy.array([0.0, 1.0])).array
        array([0., 0.])
    """
    return XLogX().apply((x,))[0]

"""eigh: eigenvalues and eigenvectors of stacks of symmetric matrices, differentiable.

For ``A = V diag(w) V^T`` (w ascending), the gradient with respect to the
symmetric A of gradients ``gw`` and ``gV`` is
``sym(V (diag(gw) + F o (V^T gV)) V^T)`` with ``F[i, j] = 1 / (w[j] - w[i])``
off the diagonal (0 where two eigenvalues coincide, where it is undefined)
and ``sym(M) = (M + M^T) / 2``. :class:`Eigh` retains its outputs and writes
that formula with differentiable functions of them, so the gradient is
itself differentiable (through w and V, back into Eigh) and the
decomposition is computed once per forward.
"""

from rechain import backend
from rechain import function_node
from rechain.functions.array.broadcast import broadcast_to
from rechain.functions.array.reshape import reshape
from rechain.functions.array.swapaxes import swapaxes
from rechain.functions.math.matmul import matmul


class Eigh(function_node.FunctionNode):
    """Input ``a`` ``(..., n, n)`` symmetric; outputs ``w`` ``(..., n)``, ``V``."""

    def forward(self, inputs):
        a, = inputs
        xp = backend.get_array_module(a)
        w, v = xp.linalg.eigh(a)
        self.retain_outputs((0, 1))
        return w.astype(a.dtype, copy=False), v.astype(a.dtype, copy=False)

    def backward(self, indexes, grad_outputs):
        gw, gv = grad_outputs
        w, v = self.get_retained_outputs()
        n = w.shape[-1]
        shape = w.shape + (n,)
        m = None
        if gv is not None:
            wj = broadcast_to(reshape(w, w.shape[:-1] + (1, n)), shape)
            wi = broadcast_to(reshape(w, w.shape + (1,)), shape)
            diff = wj - wi
            xp = backend.get_array_module(diff.array)
            use = diff.array != 0           # off the diagonal, distinct eigenvalues
            mask = use.astype(diff.dtype)
            f = mask / (diff + (1 - mask))
            m = f * matmul(v, gv, transa=True)
        if gw is not None:
            xp = backend.get_array_module(gw.array)
            eye = xp.eye(n, dtype=gw.dtype)
            d = broadcast_to(reshape(gw, gw.shape + (1,)), shape) * eye
            m = d if m is None else m + d
        ga = matmul(matmul(v, m), v, transb=True)
        return (ga + swapaxes(ga, -1, -2)) * 0.5,


def eigh(a):
    """``(w, V)`` of symmetric ``a`` ``(..., n, n)``, ascending ``w`` (differentiable)."""
    return Eigh().apply((a,))

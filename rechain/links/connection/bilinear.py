"""The bilinear layer."""

from rechain import initializers
from rechain import variable as _variable
from rechain.links import link as _link


class Bilinear(_link.Link):
    """Bilinear layer: ``y = e1 W e2 (+ e1 V1 + e2 V2 + b)``; see
    :func:`~rechain.functions.bilinear`.

    Args:
        left_size, right_size, out_size (int): ``J``, ``K``, ``L``.
        nobias (bool): Without ``V1``, ``V2`` and ``b``.
        initialW: Initializer of ``W`` ``(J, K, L)`` (LeCunNormal by default).
        initial_bias (tuple or None): Initializers ``(V1, V2, b)``; default
            LeCunNormal, LeCunNormal and 0.

    Example:
        >>> bl = L.Bilinear(3, 4, 5)
        >>> bl(numpy.ones((2, 3), numpy.float32), numpy.ones((2, 4), numpy.float32)).shape
        (2, 5)
    """

    def __init__(self, left_size, right_size, out_size, nobias=False, initialW=None,
                 initial_bias=None):
        super().__init__()
        self.in_sizes = (left_size, right_size)
        self.nobias = nobias
        j, k, ll = int(left_size), int(right_size), int(out_size)
        if initial_bias is None:
            initial_bias = (None, None, 0)
        elif not isinstance(initial_bias, tuple) or len(initial_bias) != 3:
            raise ValueError("Bilinear: initial_bias must be None or a tuple (V1, V2, b) of "
                             f"initializers, got {type(initial_bias).__name__}")
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW), (j, k, ll))
            if not nobias:
                iv1, iv2, ib = initial_bias
                self.V1 = _variable.Parameter(initializers._get_initializer(iv1), (j, ll))
                self.V2 = _variable.Parameter(initializers._get_initializer(iv2), (k, ll))
                self.b = _variable.Parameter(initializers._get_initializer(ib), (ll,))

    def forward(self, e1, e2):
        """Apply the layer to ``e1`` ``(N, J)`` and ``e2`` ``(N, K)``."""
        from rechain.functions.connection.bilinear import bilinear
        if self.nobias:
            return bilinear(e1, e2, self.W)
        return bilinear(e1, e2, self.W, self.V1, self.V2, self.b)

    def zero_grads(self):
        """Zero the gradients (Chainer kept this old name on Bilinear)."""
        self.zerograds()

    def _repr_fields(self):
        return f"in_sizes={self.in_sizes}, out_size={self.W.shape[2]}, nobias={self.nobias}"

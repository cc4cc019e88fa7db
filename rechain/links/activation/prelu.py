"""PReLU: parametric ReLU with a learned slope."""

from rechain import variable as _variable
from rechain.functions.activation.prelu import prelu as _prelu
from rechain.links import link as _link


class PReLU(_link.Link):
    """Parametric ReLU, ``x`` where ``x >= 0`` and ``W * x`` elsewhere.

    Args:
        shape (tuple of ints): Shape of the slope ``W``; it applies along the
            axes ``1 .. len(shape)`` of the input (``()``: one shared slope).
        init: Initial value of ``W`` (a scalar, an array or an initializer).

    Example:
        >>> a = L.PReLU((3,))
        >>> a(numpy.array([[-1., 2., -4.]], numpy.float32)).array
        array([[-0.25,  2.  , -1.  ]], dtype=float32)
    """

    def __init__(self, shape=(), init=0.25):
        super().__init__()
        with self.init_scope():
            self.W = _variable.Parameter(init, shape)

    def forward(self, x):
        """Apply the parametric ReLU to ``x``."""
        return _prelu(x, self.W)

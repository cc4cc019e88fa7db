"""Swish: ``x * sigmoid(beta * x)`` with a learned ``beta``."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.activation.swish import swish as _swish
from rechain.links import link as _link


class Swish(_link.Link):
    """Swish activation with a learned parameter ``beta``.

    Args:
        beta_shape (tuple of ints or None): Shape of ``beta``, aligned with
            the axes after the batch axis; None: ``x.shape[1:]`` of the first
            input.
        beta_init (float): Initial value of ``beta``.

    Attributes:
        beta (Parameter): The parameter.

    Example:
        >>> s = L.Swish(None)
        >>> s(numpy.zeros((2, 3), numpy.float32)).shape
        (2, 3)
        >>> s.beta.shape
        (3,)
    """

    def __init__(self, beta_shape, beta_init=1.0):
        super().__init__()
        with self.init_scope():
            if beta_shape is not None:
                self.beta = _variable.Parameter(beta_init, beta_shape)
            else:
                self.beta = _variable.Parameter(initializers.Constant(beta_init))

    def forward(self, x):
        """Apply swish to ``x`` (initializing ``beta`` from ``x.shape[1:]`` if needed)."""
        if self.beta.array is None:
            self.beta.initialize(x.shape[1:])
        return _swish(x, self.beta)

"""Scale: multiply by a learned (or given) array broadcast along a run of axes."""

from rechain import variable as _variable
from rechain.functions.math.scale import scale as _scale
from rechain.links import link as _link
from rechain.links.connection.bias import Bias, _check_arity


class Scale(_link.Chain):
    """``F.scale(x, W, axis)`` with a learned ``W``, or ``F.scale(x, y, axis)``; optional bias.

    Args:
        axis (int): First axis of ``x`` that the factors apply along.
        W_shape (tuple of ints or None): Shape of the learned ``W`` (ones at
            first). None: ``forward`` takes the factors as its second argument.
        bias_term (bool): Add a learned bias (a child :class:`Bias` named
            ``bias``) after the product.
        bias_shape (tuple of ints or None): Shape of the bias when ``W_shape``
            is None (with ``W_shape``, the bias has ``W_shape``).

    Example:
        >>> s = L.Scale(W_shape=(2,), bias_term=True)
        >>> s(numpy.ones((1, 2), numpy.float32)).array
        array([[1., 1.]], dtype=float32)
    """

    def __init__(self, axis=1, W_shape=None, bias_term=False, bias_shape=None):
        super().__init__()
        self.axis = axis
        with self.init_scope():
            if W_shape is not None:
                self.W = _variable.Parameter(1, W_shape)
                if bias_term:
                    self.bias = Bias(axis, W_shape)
            elif bias_term:
                if bias_shape is None:
                    raise ValueError("Scale: bias_shape must be given when bias_term is True "
                                     "and W_shape is None (W is not a parameter)")
                self.bias = Bias(axis, bias_shape)

    def forward(self, *xs):
        """``x * W`` (one input) or ``x * y`` (two inputs, no ``W``), then the bias if any."""
        label = _link._link_label(self)
        if hasattr(self, "W"):
            _check_arity(label, xs, 1, "x; the factors are the parameter W")
            z = _scale(xs[0], self.W, self.axis)
        else:
            _check_arity(label, xs, 2, "x and the factors y: the link has no parameter W")
            z = _scale(xs[0], xs[1], self.axis)
        return self.bias(z) if hasattr(self, "bias") else z

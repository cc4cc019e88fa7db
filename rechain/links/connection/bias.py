"""Bias: add a learned (or given) array broadcast along a run of axes."""

from rechain import variable as _variable
from rechain.functions.math.bias import bias as _bias
from rechain.links import link as _link


def _check_arity(label, xs, n, what):
    if len(xs) != n:
        raise TypeError(f"{label}: expected {n} input{'s' if n > 1 else ''} ({what}), "
                        f"got {len(xs)}")


class Bias(_link.Link):
    """``F.bias(x, b, axis)`` with a learned ``b``, or ``F.bias(x, y, axis)``.

    Args:
        axis (int): First axis of ``x`` that ``b`` applies along.
        shape (tuple of ints or None): Shape of the learned ``b`` (zeros at
            first). None: the link has no parameter and ``forward`` takes the
            offsets as its second argument.

    Example:
        >>> L.Bias(shape=(2,))(numpy.ones((1, 2), numpy.float32)).array
        array([[1., 1.]], dtype=float32)
    """

    def __init__(self, axis=1, shape=None):
        super().__init__()
        if shape is not None:
            with self.init_scope():
                self.b = _variable.Parameter(0, shape)
        self.axis = axis

    def forward(self, *xs):
        """``x + b`` (one input) or ``x + y`` (two inputs, no parameter), broadcast."""
        label = _link._link_label(self)
        if hasattr(self, "b"):
            _check_arity(label, xs, 1, "x; the offsets are the parameter b")
            return _bias(xs[0], self.b, self.axis)
        _check_arity(label, xs, 2, "x and the offsets y: the link has no parameter")
        return _bias(xs[0], xs[1], self.axis)

"""copy: a differentiable copy of an array onto a device."""

from rechain import backend
from rechain import function_node
from rechain.backends import cuda


def _device(dst):
    """The :class:`rechain.backend.Device` named by ``dst``, or an error naming copy."""
    if dst is cuda.DummyDevice:  # Chainer's placeholder of "no GPU": the host
        dst = "@numpy"
    try:
        return backend.get_device(dst)
    except (TypeError, ValueError) as e:
        raise type(e)(f"copy: dst={dst!r} is not a device: {e}") from None


def _send(x, device):
    """A new array with ``x``'s values on ``device`` (never ``x`` itself)."""
    with device.create_context():
        y = device.send_array(x)
        return y.copy() if y is x else y


class Copy(function_node.FunctionNode):
    """Copy of ``x`` on a device; the gradient is copied back to ``x``'s device."""

    def __init__(self, device):
        self.device = device

    @property
    def label(self):
        return "Copy"

    def forward(self, inputs):
        x, = inputs
        self.src = backend.get_device_from_array(x)
        return _send(x, self.device),

    def backward(self, indexes, grad_outputs):
        return Copy(self.src).apply(grad_outputs)


def copy(x, dst):
    """Copy ``x`` to the device ``dst``, differentiably.

    The output is always a new array, so writing into it never touches ``x``;
    the gradient flows back to ``x``'s own device.

    Args:
        x (Variable or ndarray): Array to copy.
        dst: Destination, any specifier :func:`rechain.get_device` accepts:
            ``-1`` or ``'@numpy'`` for the host, an int ``>= 0`` or
            ``'@cupy:N'`` for a GPU, a CuPy ``Device`` or a rechain device object;
            ``rechain.backends.cuda.DummyDevice`` is the host.

    Returns:
        Variable: The copy, on ``dst``.

    Example:
        >>> F.copy(np.array([1., 2.], np.float32), -1).array
        array([1., 2.], dtype=float32)
    """
    x_arr = getattr(x, "array", x)
    if not backend.is_array(x_arr):
        raise TypeError(f"copy: x must be a Variable or an ndarray, not {type(x).__name__}")
    return Copy(_device(dst)).apply((x,))[0]

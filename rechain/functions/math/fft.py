"""fft and ifft: discrete Fourier transforms of (real, imaginary) pairs.

As in Chainer, a complex signal travels as two real arrays. Both transforms
are linear, and the adjoint of each is itself applied to the swapped pair
``(imag, real)`` of the output gradient, swapped back: with ``g = gr + i gi``
the input gradient is ``conj(T(conj(g)))``, and ``T(gi + i gr)`` is that
times ``i``. So backward is the same node, and gradients of every order
follow.
"""

from rechain import backend
from rechain import function_node
from rechain.utils import type_check


class FFT(function_node.FunctionNode):
    """(real, imag) -> (real, imag) of ``numpy.fft.<method>`` along the last axis."""

    def __init__(self, method):
        self.method = method

    @property
    def label(self):
        return self.method.upper()

    def forward(self, inputs):
        real, imag = inputs
        xp = backend.get_array_module(real, imag)
        y = getattr(xp.fft, self.method)(real + 1j * imag)
        return (xp.ascontiguousarray(y.real).astype(real.dtype, copy=False),
                xp.ascontiguousarray(y.imag).astype(real.dtype, copy=False))

    def backward(self, indexes, grad_outputs):
        gr, gi = grad_outputs
        if gr is None or gi is None:
            xp = backend.get_array_module((gi if gr is None else gr).array)
            zeros = xp.zeros(self.inputs[0].shape, self.inputs[0].dtype)
            gr = zeros if gr is None else gr
            gi = zeros if gi is None else gi
        gxi, gxr = FFT(self.method).apply((gi, gr))
        return tuple((gxr, gxi)[i] for i in indexes)


def _check(fname, x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise TypeError(f"{fname}: x must be a pair (real, imag), not {type(x).__name__}")
    real, imag = x
    if type_check.enabled():
        type_check.expect_float(fname, "real", real)
        type_check.expect_float(fname, "imag", imag)
        type_check.expect_same_dtype(fname, ("real", "imag"), (real, imag))
        type_check.expect_same_shape(fname, ("real", "imag"), (real, imag))
        type_check.expect_ndim(fname, "real", real, 1, at_least=True)
    return real, imag


def fft(x):
    """Fast Fourier transform along the last axis.

    Args:
        x (tuple): ``(real, imag)``, Variables or arrays of one shape (at least
            1-d) and floating-point dtype.

    Returns:
        tuple: ``(real, imag)`` of the transform.

    Example:
        >>> r, i = F.fft((np.array([1., 0., 0., 0.]), np.zeros(4)))
        >>> r.array
        array([1., 1., 1., 1.])
    """
    return FFT("fft").apply(_check("fft", x))


def ifft(x):
    """Inverse fast Fourier transform along the last axis (scaled by 1/n).

    Args:
        x (tuple): ``(real, imag)``, Variables or arrays of one shape (at least
            1-d) and floating-point dtype.

    Returns:
        tuple: ``(real, imag)`` of the inverse transform.

    Example:
        >>> r, i = F.ifft((np.ones(4), np.zeros(4)))
        >>> r.array
        array([1., 0., 0., 0.])
    """
    return FFT("ifft").apply(_check("ifft", x))

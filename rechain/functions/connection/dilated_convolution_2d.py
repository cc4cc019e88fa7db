"""dilated_convolution_2d: convolution_2d with a dilated filter (Chainer's own name).

The same computation as ``convolution_2d(..., dilate=d)``; kept as a function
of its own because Chainer has it, with ``dilate`` positional.
"""

from rechain.functions.connection._conv_util import call_as
from rechain.functions.connection.convolution_2d import convolution_2d


def dilated_convolution_2d(x, W, b=None, stride=1, pad=0, dilate=1, cover_all=False):
    """Two-dimensional convolution whose filter taps are ``dilate`` pixels apart.

    Args:
        x (Variable or ndarray): Input ``(N, C, H, W)``.
        W (Variable or ndarray): Filter ``(out_c, C, kh, kw)``.
        b (Variable, ndarray or None): Bias ``(out_c,)``.
        stride, pad (int or pair): Stride and zero padding.
        dilate (int or pair): Spacing of the filter taps.
        cover_all (bool): Extend the output so every input pixel is covered.

    Returns:
        Variable: ``(N, out_c, out_h, out_w)``, ``out = (in + 2 p - (k - 1) d - 1)
        // s + 1``.

    Example:
        >>> F.dilated_convolution_2d(np.ones((1, 1, 7, 7)), np.ones((1, 1, 3, 3)),
        ...                          dilate=2).shape
        (1, 1, 3, 3)
    """
    return call_as("dilated_convolution_2d", "convolution_2d", convolution_2d, x, W, b, stride,
                   pad, cover_all=cover_all, dilate=dilate)

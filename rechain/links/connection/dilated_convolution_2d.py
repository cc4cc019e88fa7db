"""The two-dimensional dilated convolution layer (Chainer's name for Convolution2D
with ``dilate`` positional)."""

from rechain.links.connection.convolution_2d import Convolution2D


class DilatedConvolution2D(Convolution2D):
    """Two-dimensional convolution with a dilated filter.

    The same layer as ``Convolution2D(..., dilate=dilate)``; ``dilate`` comes
    before ``nobias`` here, as in Chainer.

    Args:
        in_channels (int or None): Input channels (None: inferred); the short
            form ``DilatedConvolution2D(out_channels, ksize, ...)`` is accepted.
        out_channels (int): Output channels.
        ksize (int or pair): Filter size.
        stride, pad, dilate (int or pair): Stride, zero padding, dilation.
        nobias (bool): No bias.
        initialW, initial_bias: Initializers (LeCunNormal and 0 by default).

    Example:
        >>> conv = L.DilatedConvolution2D(1, 2, 3, dilate=2)
        >>> conv(numpy.ones((1, 1, 7, 7), numpy.float32)).shape
        (1, 2, 3, 3)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, dilate=1,
                 nobias=False, initialW=None, initial_bias=None):
        super().__init__(in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                         initial_bias, dilate=dilate)

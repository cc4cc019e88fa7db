"""The deformable convolution layer (Dai et al. 2017)."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import Convolution2D


class DeformableConvolution2DSampler(_link.Link):
    """The convolution of :func:`~rechain.functions.deformable_convolution_2d_sampler`
    with its filter ``W`` ``(out_channels, in_channels, kh, kw)`` (zeros by
    default, as in Chainer) and bias ``b`` (0); called with ``(x, offset)``."""

    def __init__(self, in_channels, out_channels, ksize, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None):
        super().__init__()
        self.ksize = _conv_util.pair(ksize, "DeformableConvolution2DSampler", "ksize")
        self.stride = _conv_util.pair(stride, "DeformableConvolution2DSampler", "stride")
        self.pad = _conv_util.pair(pad, "DeformableConvolution2DSampler", "pad")
        self.out_channels = int(out_channels)
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(
                initializers.Zero() if initialW is None else initialW))
            if nobias:
                self.b = None
            else:
                self.b = _variable.Parameter(
                    initializers._get_initializer(0 if initial_bias is None else initial_bias))
        if in_channels is not None:
            self._initialize_params(in_channels)

    def _initialize_params(self, in_channels):
        self.W.initialize((self.out_channels, int(in_channels)) + self.ksize)
        if self.b is not None:
            self.b.initialize((self.out_channels,))

    def forward(self, x, offset):
        """Convolve ``x`` with taps moved by ``offset``."""
        from rechain.functions.connection.deformable_convolution_2d_sampler import (
            deformable_convolution_2d_sampler)
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        return deformable_convolution_2d_sampler(x, offset, self.W, self.b, self.stride,
                                                 self.pad)


class DeformableConvolution2D(_link.Chain):
    """Deformable convolution: a convolution ``offset_conv`` predicts the tap
    offsets ``(N, 2 * kh * kw, out_h, out_w)`` from the input, and
    ``deform_conv`` (:class:`DeformableConvolution2DSampler`) convolves with
    the taps moved by them.

    Args:
        in_channels (int or None): Input channels (None: inferred).
        out_channels (int): Output channels.
        ksize (int or pair): Filter size (of both convolutions).
        stride, pad (int or pair): Stride and zero padding (of both).
        offset_nobias, offset_initialW, offset_initial_bias: The offset
            convolution's bias switch and initializers.
        deform_nobias, deform_initialW, deform_initial_bias: The deformable
            convolution's (its W is zero by default, as in Chainer).

    Example:
        >>> conv = L.DeformableConvolution2D(3, 4, 3, pad=1)
        >>> conv(numpy.ones((1, 3, 5, 5), numpy.float32)).shape
        (1, 4, 5, 5)
    """

    def __init__(self, in_channels, out_channels, ksize, stride=1, pad=0, offset_nobias=False,
                 offset_initialW=None, offset_initial_bias=None, deform_nobias=False,
                 deform_initialW=None, deform_initial_bias=None):
        super().__init__()
        kh, kw = _conv_util.pair(ksize, "DeformableConvolution2D", "ksize")
        with self.init_scope():
            self.offset_conv = Convolution2D(in_channels, 2 * kh * kw, (kh, kw), stride, pad,
                                             offset_nobias, offset_initialW,
                                             offset_initial_bias)
            self.deform_conv = DeformableConvolution2DSampler(
                in_channels, out_channels, (kh, kw), stride, pad, deform_nobias,
                deform_initialW, deform_initial_bias)

    def forward(self, x):
        """Apply the layer to ``x`` ``(N, C, H, W)``."""
        return self.deform_conv(x, self.offset_conv(x))

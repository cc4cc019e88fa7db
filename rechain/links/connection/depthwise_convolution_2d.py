"""The two-dimensional depthwise convolution layer."""

import numpy

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import check_image
from rechain.utils import type_check


class DepthwiseConvolution2D(_link.Link):
    """Depthwise convolution: each input channel has ``channel_multiplier`` filters.

    Args:
        in_channels (int or None): Input channels; None infers them from the
            first input.
        channel_multiplier (int): Filters per input channel; the output has
            ``in_channels * channel_multiplier`` channels.
        ksize (int or pair): Filter size.
        stride, pad (int or pair): Stride and zero padding.
        nobias (bool): No bias.
        initialW: Initializer of ``W`` ``(channel_multiplier, in_channels, kh,
            kw)``; default ``HeNormal(1 / sqrt(2))``, Chainer's.
        initial_bias: Initializer of ``b``; default 0.

    Example:
        >>> conv = L.DepthwiseConvolution2D(3, 2, 3, pad=1)
        >>> conv(numpy.ones((1, 3, 5, 5), numpy.float32)).shape
        (1, 6, 5, 5)
    """

    def __init__(self, in_channels, channel_multiplier, ksize, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None):
        super().__init__()
        self.ksize = _conv_util.pair(ksize, "DepthwiseConvolution2D", "ksize")
        self.stride = stride
        self.pad = pad
        self.channel_multiplier = int(channel_multiplier)
        if self.channel_multiplier < 1:
            raise ValueError(f"DepthwiseConvolution2D: channel_multiplier must be positive, "
                             f"got {channel_multiplier!r}")
        if initialW is None:
            initialW = initializers.HeNormal(1.0 / numpy.sqrt(2))
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW))
            if nobias:
                self.b = None
            else:
                self.b = _variable.Parameter(
                    initializers._get_initializer(0 if initial_bias is None else initial_bias))
        self.in_channels = None
        if in_channels is not None:
            self._initialize_params(in_channels)

    def _initialize_params(self, in_channels):
        self.in_channels = int(in_channels)
        self.W.initialize((self.channel_multiplier, self.in_channels) + self.ksize)
        if self.b is not None:
            self.b.initialize((self.channel_multiplier * self.in_channels,))

    def forward(self, x):
        """Convolve ``x`` ``(N, C, H, W)`` channel by channel."""
        from rechain.functions.connection.depthwise_convolution_2d import (
            depthwise_convolution_2d)
        label = _link._link_label(self)
        check_image(label, x)
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        elif x.shape[1] != self.W.shape[1]:
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has {x.shape[1]} channels, but "
                f"the layer expects {self.W.shape[1]} (W.shape={tuple(self.W.shape)})")
        return depthwise_convolution_2d(x, self.W, self.b, self.stride, self.pad)

    def _repr_fields(self):
        return (f"in_channels={self.in_channels}, "
                f"channel_multiplier={self.channel_multiplier}, ksize={self.ksize}, "
                f"stride={self.stride}, pad={self.pad}")

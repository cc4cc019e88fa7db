"""The two-dimensional transposed-convolution layer."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.functions.connection.deconvolution_2d import \
    deconvolution_2d as _deconvolution_2d
from rechain.links import link as _link
from rechain.links.connection import convolution_2d as _conv_link
from rechain.utils import type_check


class Deconvolution2D(_link.Link):
    """Two-dimensional transposed convolution ("deconvolution") layer.

    Args:
        in_channels (int or None): Input channels; None infers them from the
            first input. The short form ``Deconvolution2D(out_channels, ksize,
            ...)`` is accepted.
        out_channels (int): Output channels.
        ksize (int or pair): Filter size.
        stride (int or pair): Stride.
        pad (int or pair): Padding removed from the output.
        nobias (bool): No bias.
        outsize (pair or None): Output size (see ``F.deconvolution_2d``).
        initialW: Initializer for ``W`` ``(in_channels, out_channels / groups,
            kh, kw)``; default LeCunNormal.
        initial_bias: Initializer for ``b``; default 0.
        dilate (int or pair): Filter dilation (keyword only).
        groups (int): Channel groups (keyword only).

    Example:
        >>> d = L.Deconvolution2D(3, 4, 2, stride=2)
        >>> d(numpy.ones((1, 3, 4, 4), numpy.float32)).shape
        (1, 4, 8, 8)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 outsize=None, initialW=None, initial_bias=None, *, dilate=1, groups=1):
        super().__init__()
        if ksize is None:
            in_channels, out_channels, ksize = None, in_channels, out_channels
        self.ksize = _conv_util.pair(ksize, "Deconvolution2D", "ksize")
        self.stride = stride
        self.pad = pad
        self.outsize = outsize
        self.dilate = dilate
        self.groups = int(groups)
        self.in_channels = in_channels
        self.out_channels = int(out_channels)
        _conv_link.check_groups("Deconvolution2D", in_channels, self.out_channels, self.groups)
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW))
            if in_channels is not None:
                self._initialize_params(in_channels)
            if nobias:
                self.b = None
            else:
                bias = initializers._get_initializer(0 if initial_bias is None else initial_bias)
                self.b = _variable.Parameter(bias, self.out_channels)

    def _initialize_params(self, in_channels):
        _conv_link.check_groups(_link._link_label(self), in_channels, self.out_channels,
                                self.groups)
        self.in_channels = int(in_channels)
        kh, kw = self.ksize
        self.W.initialize((self.in_channels, self.out_channels // self.groups, kh, kw))

    def forward(self, x):
        """Apply the transposed convolution to ``x`` ``(N, C, H, W)``."""
        label = _link._link_label(self)
        _conv_link.check_image(label, x)
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        elif x.shape[1] != self.W.shape[0]:
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has {x.shape[1]} channels, but "
                f"the layer expects {self.W.shape[0]} (W.shape={tuple(self.W.shape)})")
        return _deconvolution_2d(x, self.W, self.b, self.stride, self.pad, self.outsize,
                                 dilate=self.dilate, groups=self.groups)

    def _repr_fields(self):
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"ksize={self.ksize}, stride={self.stride}, pad={self.pad}")

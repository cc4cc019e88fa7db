"""The two-dimensional local convolution layer."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import check_image
from rechain.utils import type_check


class LocalConvolution2D(_link.Link):
    """Convolution with a different filter at every output position (no padding).

    Args:
        in_channels (int or None): Input channels; None infers them (and
            ``in_size``) from the first input.
        out_channels (int): Output channels.
        in_size (int, pair or None): Input ``(H, W)``; the filters depend on
            it. None infers it from the first input.
        ksize (int or pair): Filter size.
        stride (int or pair): Stride.
        nobias (bool): No bias.
        initialW, initial_bias: Initializers (LeCunNormal and 0 by default).

    ``W`` has shape ``(out_channels, out_h, out_w, in_channels, kh, kw)`` with
    ``out = (in - k) // stride + 1`` (Chainer's layer ignores the stride here,
    which only works for stride 1), ``b`` ``(out_channels, out_h, out_w)``.

    Example:
        >>> conv = L.LocalConvolution2D(3, 2, in_size=5, ksize=3)
        >>> conv(numpy.ones((1, 3, 5, 5), numpy.float32)).shape
        (1, 2, 3, 3)
    """

    def __init__(self, in_channels, out_channels, in_size=None, ksize=None, stride=1,
                 nobias=False, initialW=None, initial_bias=None):
        super().__init__()
        if ksize is None:
            raise TypeError("LocalConvolution2D: ksize is required")
        self.ksize = _conv_util.pair(ksize, "LocalConvolution2D", "ksize")
        self.stride = _conv_util.pair(stride, "LocalConvolution2D", "stride")
        self.out_channels = int(out_channels)
        self.nobias = nobias
        with self.init_scope():
            self.W = _variable.Parameter(initializers._get_initializer(initialW))
            if nobias:
                self.b = None
            else:
                self.b = _variable.Parameter(
                    initializers._get_initializer(0 if initial_bias is None else initial_bias))
        if in_channels is not None and in_size is not None:
            self._initialize_params(in_channels, _conv_util.pair(in_size, "LocalConvolution2D",
                                                                 "in_size"))

    def _initialize_params(self, in_channels, in_size):
        (kh, kw), (sy, sx) = self.ksize, self.stride
        oh, ow = (in_size[0] - kh) // sy + 1, (in_size[1] - kw) // sx + 1
        if oh < 1 or ow < 1:
            raise type_check.InvalidType(
                f"{_link._link_label(self)}: input size {tuple(in_size)} is smaller than the "
                f"filter {self.ksize}")
        self.W.initialize((self.out_channels, oh, ow, int(in_channels), kh, kw))
        if self.b is not None:
            self.b.initialize((self.out_channels, oh, ow))

    def forward(self, x):
        """Apply the layer to ``x`` ``(N, C, H, W)``."""
        from rechain.functions.connection.local_convolution_2d import local_convolution_2d
        check_image(_link._link_label(self), x)
        if self.W.array is None:
            self._initialize_params(x.shape[1], x.shape[2:])
        return local_convolution_2d(x, self.W, self.b, self.stride)

    def _repr_fields(self):
        shape = None if self.W.array is None else tuple(self.W.shape)
        return f"out_channels={self.out_channels}, ksize={self.ksize}, W.shape={shape}"

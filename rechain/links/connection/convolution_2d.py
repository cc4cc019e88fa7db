"""The two-dimensional convolution layer."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.functions.connection.convolution_2d import \
    convolution_2d as _convolution_2d
from rechain.links import link as _link
from rechain.utils import type_check


def check_groups(name, in_channels, out_channels, groups):
    if groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups}")
    if out_channels % groups or (in_channels is not None and in_channels % groups):
        raise ValueError(f"{name}: groups={groups} must divide in_channels={in_channels} "
                         f"and out_channels={out_channels}")


def check_image(label, x):
    if x.ndim != 4:
        raise type_check.InvalidType(f"{label}: input must be 4-d (N, C, H, W), got shape "
                                     f"{tuple(x.shape)}")


class Convolution2D(_link.Link):
    """Two-dimensional convolution layer on NCHW images.

    Args:
        in_channels (int or None): Input channels; None infers them from the
            first input. Chainer's short form ``Convolution2D(out_channels,
            ksize, ...)`` is accepted.
        out_channels (int): Output channels.
        ksize (int or pair): Filter size.
        stride (int or pair): Stride.
        pad (int or pair): Zero padding.
        nobias (bool): No bias.
        initialW: Initializer for ``W`` ``(out_channels, in_channels / groups,
            kh, kw)``; default LeCunNormal.
        initial_bias: Initializer for ``b``; default 0.
        dilate (int or pair): Filter dilation (keyword only).
        groups (int): Channel groups (keyword only).

    Example:
        >>> conv = L.Convolution2D(3, 8, 3, pad=1)
        >>> conv(numpy.ones((2, 3, 5, 5), numpy.float32)).shape
        (2, 8, 5, 5)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None, *, dilate=1, groups=1):
        super().__init__()
        if ksize is None:
            in_channels, out_channels, ksize = None, in_channels, out_channels
        self.ksize = _conv_util.pair(ksize, "Convolution2D", "ksize")
        self.stride = stride
        self.pad = pad
        self.dilate = dilate
        self.groups = int(groups)
        self.in_channels = in_channels
        self.out_channels = int(out_channels)
        check_groups("Convolution2D", in_channels, self.out_channels, self.groups)
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
        check_groups(_link._link_label(self), in_channels, self.out_channels, self.groups)
        self.in_channels = int(in_channels)
        kh, kw = self.ksize
        self.W.initialize((self.out_channels, self.in_channels // self.groups, kh, kw))

    @classmethod
    def from_params(cls, W, b=None, stride=1, pad=0, nobias=False, *, dilate=1, groups=1):
        """A layer whose parameters start as copies of ``W`` ``(out_channels,
        in_channels / groups, kh, kw)`` and ``b`` (Chainer's constructor)."""
        out_channels, icg, kh, kw = W.shape
        if b is not None and b.size != out_channels:
            raise ValueError(f"{cls.__name__}.from_params: b of size {b.size} does not match "
                             f"the {out_channels} output channels of W {tuple(W.shape)}")
        return cls(icg * groups, out_channels, (kh, kw), stride, pad, nobias,
                   initialW=_variable.as_array(W),
                   initial_bias=None if b is None else _variable.as_array(b), dilate=dilate,
                   groups=groups)

    def forward(self, x):
        """Convolve ``x`` ``(N, C, H, W)``."""
        label = _link._link_label(self)
        check_image(label, x)
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        elif x.shape[1] != self.W.shape[1] * self.groups:
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has {x.shape[1]} channels, but "
                f"the layer expects {self.W.shape[1] * self.groups} "
                f"(W.shape={tuple(self.W.shape)}, groups={self.groups})")
        return _convolution_2d(x, self.W, self.b, self.stride, self.pad,
                               dilate=self.dilate, groups=self.groups)

    def _repr_fields(self):
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"ksize={self.ksize}, stride={self.stride}, pad={self.pad}")

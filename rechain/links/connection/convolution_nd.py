"""N-dimensional convolution layers: ConvolutionND, Convolution1D, Convolution3D."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.functions.connection.convolution_nd import convolution_nd as _convolution_nd
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import check_groups
from rechain.utils import type_check


def check_input(label, x, ndim):
    if x.ndim != ndim + 2:
        raise type_check.InvalidType(f"{label}: input must be {ndim + 2}-d (N, C, {ndim} "
                                     f"spatial axes), got shape {tuple(x.shape)}")


def _check_ndim(name, ndim):
    if isinstance(ndim, bool) or not isinstance(ndim, int) or ndim < 1:
        raise ValueError(f"{name}: ndim must be a positive int, got {ndim!r}")


class ConvolutionND(_link.Link):
    """N-dimensional convolution layer on ``(N, C, d_1, ..., d_ndim)`` inputs.

    Args:
        ndim (int): Number of spatial axes.
        in_channels (int or None): Input channels; None infers them from the
            first input. The short form ``ConvolutionND(ndim, out_channels,
            ksize, ...)`` is accepted.
        out_channels (int): Output channels.
        ksize (int or tuple of ints): Filter size.
        stride (int or tuple of ints): Stride.
        pad (int or tuple of ints): Zero padding.
        nobias (bool): No bias.
        initialW: Initializer for ``W`` ``(out_channels, in_channels / groups,
            *ksize)``; default LeCunNormal.
        initial_bias: Initializer for ``b``; default 0.
        cover_all (bool): Extend the output so every input element is covered.
        dilate (int or tuple of ints): Filter dilation.
        groups (int): Channel groups.

    Example:
        >>> conv = L.ConvolutionND(3, 2, 4, 3, pad=1)
        >>> conv(numpy.ones((1, 2, 5, 5, 5), numpy.float32)).shape
        (1, 4, 5, 5, 5)
    """

    def __init__(self, ndim, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, initialW=None, initial_bias=None, cover_all=False, dilate=1,
                 groups=1):
        super().__init__()
        name = type(self).__name__
        _check_ndim(name, ndim)
        if ksize is None:
            in_channels, out_channels, ksize = None, in_channels, out_channels
        self.ndim = ndim
        self.ksize = _conv_util.ntuple(ksize, ndim, name, "ksize")
        self.stride = stride
        self.pad = pad
        self.cover_all = cover_all
        self.dilate = _conv_util.ntuple(dilate, ndim, name, "dilate")
        self.groups = int(groups)
        self.in_channels = in_channels
        self.out_channels = int(out_channels)
        check_groups(name, in_channels, self.out_channels, self.groups)
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
        self.W.initialize((self.out_channels, self.in_channels // self.groups) + self.ksize)

    @classmethod
    def from_params(cls, W, b=None, stride=1, pad=0, nobias=False, *, cover_all=False,
                    dilate=1, groups=1):
        """A layer whose parameters start as copies of ``W`` ``(out_channels,
        in_channels / groups, *ksize)`` and ``b`` (Chainer's constructor)."""
        out_channels, icg = W.shape[:2]
        ksize = tuple(W.shape[2:])
        if b is not None and b.size != out_channels:
            raise ValueError(f"{cls.__name__}.from_params: b of size {b.size} does not match "
                             f"the {out_channels} output channels of W {tuple(W.shape)}")
        args = (icg * groups, out_channels, ksize, stride, pad, nobias)
        if cls is ConvolutionND:
            args = (len(ksize),) + args
        return cls(*args, initialW=_variable.as_array(W),
                   initial_bias=None if b is None else _variable.as_array(b),
                   cover_all=cover_all, dilate=dilate, groups=groups)

    def forward(self, x):
        """Convolve ``x`` ``(N, C, *size)``."""
        label = _link._link_label(self)
        check_input(label, x, self.ndim)
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        elif x.shape[1] != self.W.shape[1] * self.groups:
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has {x.shape[1]} channels, but "
                f"the layer expects {self.W.shape[1] * self.groups} "
                f"(W.shape={tuple(self.W.shape)}, groups={self.groups})")
        return _convolution_nd(x, self.W, self.b, self.stride, self.pad, self.cover_all,
                               self.dilate, self.groups)

    def _repr_fields(self):
        return (f"ndim={self.ndim}, in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, ksize={self.ksize}, stride={self.stride}, "
                f"pad={self.pad}")


class Convolution1D(ConvolutionND):
    """One-dimensional convolution layer: :class:`ConvolutionND` with ``ndim=1``.

    Example:
        >>> L.Convolution1D(3, 4, 3)(numpy.ones((2, 3, 10), numpy.float32)).shape
        (2, 4, 8)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None, cover_all=False, dilate=1, groups=1):
        super().__init__(1, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                         initial_bias, cover_all, dilate, groups)


class Convolution3D(ConvolutionND):
    """Three-dimensional convolution layer: :class:`ConvolutionND` with ``ndim=3``.

    Example:
        >>> L.Convolution3D(1, 2, 2)(numpy.ones((1, 1, 3, 3, 3), numpy.float32)).shape
        (1, 2, 2, 2, 2)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 initialW=None, initial_bias=None, cover_all=False, dilate=1, groups=1):
        super().__init__(3, in_channels, out_channels, ksize, stride, pad, nobias, initialW,
                         initial_bias, cover_all, dilate, groups)

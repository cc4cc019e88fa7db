"""N-dimensional transposed-convolution layers: DeconvolutionND, Deconvolution1D/3D."""

from rechain import initializers
from rechain import variable as _variable
from rechain.functions.connection import _conv_util
from rechain.functions.connection.deconvolution_nd import \
    deconvolution_nd as _deconvolution_nd
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import check_groups
from rechain.links.connection.convolution_nd import _check_ndim, check_input
from rechain.utils import type_check


class DeconvolutionND(_link.Link):
    """N-dimensional transposed convolution ("deconvolution") layer.

    Args:
        ndim (int): Number of spatial axes.
        in_channels (int or None): Input channels; None infers them from the
            first input. The short form ``DeconvolutionND(ndim, out_channels,
            ksize, ...)`` is accepted.
        out_channels (int): Output channels.
        ksize (int or tuple of ints): Filter size.
        stride (int or tuple of ints): Stride.
        pad (int or tuple of ints): Padding removed from the output.
        nobias (bool): No bias.
        outsize (tuple of ints or None): Output spatial size (see
            ``F.deconvolution_nd``).
        initialW: Initializer for ``W`` ``(in_channels, out_channels / groups,
            *ksize)``; default LeCunNormal.
        initial_bias: Initializer for ``b``; default 0.
        dilate (int or tuple of ints): Filter dilation.
        groups (int): Channel groups.

    Example:
        >>> d = L.DeconvolutionND(1, 3, 4, 2, stride=2)
        >>> d(numpy.ones((1, 3, 5), numpy.float32)).shape
        (1, 4, 10)
    """

    def __init__(self, ndim, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 nobias=False, outsize=None, initialW=None, initial_bias=None, dilate=1,
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
        self.outsize = outsize
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
        self.W.initialize((self.in_channels, self.out_channels // self.groups) + self.ksize)

    def forward(self, x):
        """Apply the transposed convolution to ``x`` ``(N, C, *size)``."""
        label = _link._link_label(self)
        check_input(label, x, self.ndim)
        if self.W.array is None:
            self._initialize_params(x.shape[1])
        elif x.shape[1] != self.W.shape[0]:
            raise type_check.InvalidType(
                f"{label}: input of shape {tuple(x.shape)} has {x.shape[1]} channels, but "
                f"the layer expects {self.W.shape[0]} (W.shape={tuple(self.W.shape)})")
        return _deconvolution_nd(x, self.W, self.b, self.stride, self.pad, self.outsize,
                                 self.dilate, self.groups)

    def _repr_fields(self):
        return (f"ndim={self.ndim}, in_channels={self.in_channels}, "
                f"out_channels={self.out_channels}, ksize={self.ksize}, stride={self.stride}, "
                f"pad={self.pad}")


class Deconvolution1D(DeconvolutionND):
    """One-dimensional transposed convolution: :class:`DeconvolutionND` with ``ndim=1``.

    Example:
        >>> L.Deconvolution1D(3, 4, 3)(numpy.ones((2, 3, 5), numpy.float32)).shape
        (2, 4, 7)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 outsize=None, initialW=None, initial_bias=None, dilate=1, groups=1):
        super().__init__(1, in_channels, out_channels, ksize, stride, pad, nobias, outsize,
                         initialW, initial_bias, dilate, groups)


class Deconvolution3D(DeconvolutionND):
    """Three-dimensional transposed convolution: :class:`DeconvolutionND` with ``ndim=3``.

    Example:
        >>> L.Deconvolution3D(1, 2, 2)(numpy.ones((1, 1, 2, 2, 2), numpy.float32)).shape
        (1, 2, 3, 3, 3)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0, nobias=False,
                 outsize=None, initialW=None, initial_bias=None, dilate=1, groups=1):
        super().__init__(3, in_channels, out_channels, ksize, stride, pad, nobias, outsize,
                         initialW, initial_bias, dilate, groups)

"""MLPConvolution2D: the "mlpconv" layer of Network in Network (Lin et al., 2014)."""

from rechain.functions.activation.relu import relu
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.utils import argument


class MLPConvolution2D(_link.ChainList):
    """A convolution followed by 1x1 convolutions, with an activation between them.

    The children are ``Convolution2D`` layers named ``0, 1, ...``: the first
    has filter ``ksize``, the others 1x1; the activation is applied after
    every layer except the last.

    Args:
        in_channels (int or None): Input channels; None infers them. The
            short form ``MLPConvolution2D(out_channels, ksize, ...)`` is accepted.
        out_channels (tuple of ints): Output channels of each layer.
        ksize (int or pair): Filter size of the first layer.
        stride (int or pair): Stride of the first layer.
        pad (int or pair): Padding of the first layer.
        activation (callable): Activation between the layers.
        conv_init: Initializer of every ``W``.
        bias_init: Initializer of every ``b``.

    Chainer v1's ``wscale`` is refused with a ValueError saying what replaced
    it (Chainer's); any other unknown keyword is a TypeError.

    Example:
        >>> m = L.MLPConvolution2D(3, (16, 8, 4), 3, pad=1)
        >>> m(numpy.ones((1, 3, 6, 6), numpy.float32)).shape
        (1, 4, 6, 6)
    """

    def __init__(self, in_channels, out_channels, ksize=None, stride=1, pad=0,
                 activation=relu, conv_init=None, bias_init=None, **kwargs):
        if kwargs:
            argument.check_unexpected_kwargs(
                kwargs, wscale="MLPConvolution2D: wscale is not supported anymore; use "
                               "conv_init and bias_init to scale the initial parameters")
            names = ", ".join(repr(k) for k in sorted(kwargs))
            raise TypeError(f"MLPConvolution2D: unexpected keyword argument(s) {names}")
        if ksize is None:
            in_channels, out_channels, ksize = None, in_channels, out_channels
        try:
            out_channels = tuple(int(c) for c in out_channels)
        except TypeError:
            raise TypeError(f"MLPConvolution2D: out_channels must be a sequence of ints, "
                            f"not {type(out_channels).__name__}") from None
        if not out_channels:
            raise ValueError("MLPConvolution2D: out_channels must not be empty")
        convs = [Convolution2D(in_channels, out_channels[0], ksize, stride, pad,
                               initialW=conv_init, initial_bias=bias_init)]
        for n_in, n_out in zip(out_channels, out_channels[1:]):
            convs.append(Convolution2D(n_in, n_out, 1, initialW=conv_init,
                                       initial_bias=bias_init))
        super().__init__(*convs)
        self.activation = activation

    def forward(self, x):
        """Apply the layers to ``x`` ``(N, C, H, W)``."""
        for layer in self[:-1]:
            x = self.activation(layer(x))
        return self[-1](x)

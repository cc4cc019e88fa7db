"""Inception: the GoogLeNet module (Szegedy et al., 2015)."""

from rechain.functions.activation.relu import relu
from rechain.functions.array.concat import concat
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import Convolution2D


class Inception(_link.Chain):
    """Four parallel branches concatenated along the channels, then ReLU.

    The branches are a 1x1 convolution (``conv1``); a 1x1 projection and a
    3x3 convolution (``proj3``, ``conv3``); a 1x1 projection and a 5x5
    convolution (``proj5``, ``conv5``); a 3x3 max pooling and a 1x1
    projection (``projp``). The projections are followed by ReLU; the
    spatial size is kept.

    Args:
        in_channels (int or None): Input channels (None: inferred).
        out1 (int): Output channels of the 1x1 branch.
        proj3 (int): Channels of the projection before the 3x3 convolution.
        out3 (int): Output channels of the 3x3 branch.
        proj5 (int): Channels of the projection before the 5x5 convolution.
        out5 (int): Output channels of the 5x5 branch.
        proj_pool (int): Output channels of the pooling branch.
        conv_init: Initializer of every ``W``.
        bias_init: Initializer of every ``b``.

    Example:
        >>> m = L.Inception(3, 2, 2, 4, 1, 2, 2)
        >>> m(numpy.ones((1, 3, 8, 8), numpy.float32)).shape
        (1, 10, 8, 8)
    """

    def __init__(self, in_channels, out1, proj3, out3, proj5, out5, proj_pool, conv_init=None,
                 bias_init=None):
        super().__init__()
        init = dict(initialW=conv_init, initial_bias=bias_init)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, out1, 1, **init)
            self.proj3 = Convolution2D(in_channels, proj3, 1, **init)
            self.conv3 = Convolution2D(proj3, out3, 3, pad=1, **init)
            self.proj5 = Convolution2D(in_channels, proj5, 1, **init)
            self.conv5 = Convolution2D(proj5, out5, 5, pad=2, **init)
            self.projp = Convolution2D(in_channels, proj_pool, 1, **init)

    def forward(self, x):
        """Output ``(N, out1 + out3 + out5 + proj_pool, H, W)`` for ``x`` ``(N, C, H, W)``."""
        out1 = self.conv1(x)
        out3 = self.conv3(relu(self.proj3(x)))
        out5 = self.conv5(relu(self.proj5(x)))
        pool = self.projp(max_pooling_2d(x, 3, stride=1, pad=1))
        return relu(concat((out1, out3, out5, pool), axis=1))

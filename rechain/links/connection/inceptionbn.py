"""InceptionBN: the Inception module with batch normalization (Ioffe & Szegedy, 2015)."""

from rechain.functions.activation.relu import relu
from rechain.functions.array.concat import concat
from rechain.functions.pooling.average_pooling_2d import average_pooling_2d
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.normalization.batch_normalization import BatchNormalization


class UnknownPoolType(ValueError, NotImplementedError):
    """A pooling type InceptionBN does not implement: a ValueError (a bad argument)
    that is also Chainer's NotImplementedError, so code catching either works."""


class InceptionBN(_link.Chain):
    """Inception with batch normalization, a doubled 3x3 branch and optional stride.

    Branches, each convolution without bias and followed by batch
    normalization and ReLU: an optional 1x1 convolution (``conv1``/``conv1n``,
    when ``out1 > 0``); a 1x1 projection and a 3x3 convolution
    (``proj3``/``proj3n``, ``conv3``/``conv3n``); a 1x1 projection and two 3x3
    convolutions (``proj33``/``proj33n``, ``conv33a``/``conv33an``,
    ``conv33b``/``conv33bn``); a 3x3 max or average pooling, optionally
    followed by a 1x1 projection (``poolp``/``poolpn``). The 3x3 branches and
    the pooling use ``stride``. The outputs are concatenated along the channels.

    Args:
        in_channels (int or None): Input channels (None: inferred).
        out1 (int): Output channels of the 1x1 branch (0: no such branch).
        proj3 (int): Channels of the projection before the 3x3 convolution.
        out3 (int): Output channels of the 3x3 branch.
        proj33 (int): Channels of the projection before the double 3x3.
        out33 (int): Output channels of the double 3x3 branch.
        pooltype (str): ``'max'`` or ``'avg'``.
        proj_pool (int or None): Output channels of the projection after the
            pooling (None: the pooled input is used as is).
        stride (int): Stride of the 3x3 branches and the pooling.
        conv_init: Initializer of every ``W``.
        dtype: dtype of the batch-normalization parameters and statistics.

    Example:
        >>> m = L.InceptionBN(3, 2, 2, 4, 1, 2, 'max', 2)
        >>> m(numpy.ones((2, 3, 8, 8), numpy.float32)).shape
        (2, 10, 8, 8)
    """

    def __init__(self, in_channels, out1, proj3, out3, proj33, out33, pooltype, proj_pool=None,
                 stride=1, conv_init=None, dtype=None):
        super().__init__()
        if pooltype not in ("max", "avg"):
            raise UnknownPoolType(f"InceptionBN: pooltype must be 'max' or 'avg', got "
                                  f"{pooltype!r}")
        if out1 > 0 and stride != 1:
            raise ValueError(f"InceptionBN: the 1x1 branch (out1={out1}) needs stride=1, got "
                             f"stride={stride}")
        if out1 > 0 and proj_pool is None:
            raise ValueError(f"InceptionBN: the 1x1 branch (out1={out1}) needs proj_pool")
        self.out1 = out1
        self.proj_pool = proj_pool
        self.stride = stride
        self.pooltype = pooltype

        def conv(cin, cout, k, **kw):
            return Convolution2D(cin, cout, k, nobias=True, initialW=conv_init, **kw)

        def bn(size):
            return BatchNormalization(size, dtype=dtype)

        with self.init_scope():
            self.proj3 = conv(in_channels, proj3, 1)
            self.conv3 = conv(proj3, out3, 3, pad=1, stride=stride)
            self.proj33 = conv(in_channels, proj33, 1)
            self.conv33a = conv(proj33, out33, 3, pad=1)
            self.conv33b = conv(out33, out33, 3, pad=1, stride=stride)
            self.proj3n = bn(proj3)
            self.conv3n = bn(out3)
            self.proj33n = bn(proj33)
            self.conv33an = bn(out33)
            self.conv33bn = bn(out33)
            if out1 > 0:
                self.conv1 = conv(in_channels, out1, 1, stride=stride)
                self.conv1n = bn(out1)
            if proj_pool is not None:
                self.poolp = conv(in_channels, proj_pool, 1)
                self.poolpn = bn(proj_pool)

    def forward(self, x):
        """Concatenated branch outputs for ``x`` ``(N, C, H, W)``."""
        outs = []
        if self.out1 > 0:
            outs.append(relu(self.conv1n(self.conv1(x))))
        h3 = relu(self.proj3n(self.proj3(x)))
        outs.append(relu(self.conv3n(self.conv3(h3))))
        h33 = relu(self.proj33n(self.proj33(x)))
        h33 = relu(self.conv33an(self.conv33a(h33)))
        outs.append(relu(self.conv33bn(self.conv33b(h33))))
        if self.pooltype == "max":
            p = max_pooling_2d(x, 3, stride=self.stride, pad=1, cover_all=False)
        else:
            p = average_pooling_2d(x, 3, stride=self.stride, pad=1)
        if self.proj_pool is not None:
            p = relu(self.poolpn(self.poolp(p)))
        outs.append(p)
        return concat(outs, axis=1)

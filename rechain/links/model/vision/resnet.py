"""ResNet-50/101/152 (He et al., 2015), Chainer's ``ResNet{50,101,152}Layers``.

Weights: ``pretrained_model=None`` draws the convolutions from
HeNormal(scale=1.0), as the paper does; ``'auto'`` (or, as in Chainer, a
Caffe model's name or path, e.g. ``'ResNet-50-model.caffemodel'``) loads the
converted ``ResNet-50-model.npz`` from the models directory of the dataset
root; a path to an npz loads that npz (see Note [pretrained weights offline] in
:mod:`rechain.links.model.vision._common`).
"""

import collections
import os
import warnings

from rechain.functions.activation.relu import relu
from rechain.functions.activation.softmax import softmax
from rechain.functions.math.sum import mean
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d
from rechain.initializers import constant
from rechain.initializers import normal
from rechain.links import link as _link
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.linear import Linear
from rechain.links.model.vision import _common
from rechain.links.normalization.batch_normalization import BatchNormalization

available = _common.available

#: The mean pixel, BGR, that ``prepare`` subtracts (slightly different from VGG's).
MEAN_BGR = (103.063, 115.903, 123.152)

_BLOCKS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}
_ORIGIN = "https://github.com/KaimingHe/deep-residual-networks (ResNet-{}-model.caffemodel)"


def prepare(image, size=(224, 224)):
    """Turn an RGB image into a ResNet input: resized, BGR, mean pixel subtracted, CHW.

    Needs Pillow.

    Args:
        image (PIL.Image.Image or numpy.ndarray): ``(H, W)``, ``(H, W, C)`` or
            ``(C, H, W)`` (C 1 or 3), RGB, 8-bit values.
        size (pair of ints or None): ``(width, height)`` to resize to; None
            keeps the size.

    Returns:
        numpy.ndarray: ``(3, height, width)`` of ``config.dtype``.
    """
    return _common.prepare_image(image, size, MEAN_BGR, "resnet.prepare")


def _max_pooling_3x3(x):
    return max_pooling_2d(x, ksize=3, stride=2)


def _global_average_pooling_2d(x):
    return mean(x, axis=(2, 3))


class BottleneckA(_link.Chain):
    """The first bottleneck of a stage: changes the channels and may downsample.

    ``conv1`` (1x1) - ``conv2`` (3x3) - ``conv3`` (1x1), each with batch
    normalization (``bn1``-``bn3``), added to the projection shortcut ``conv4``
    (1x1, ``bn4``), then ReLU.

    Args:
        in_channels (int): Input channels.
        mid_channels (int): Channels inside the bottleneck.
        out_channels (int): Output channels.
        stride (int): Downsampling stride.
        initialW: Initializer of the convolutions' weights.
        downsample_fb (bool): Put the stride on the 3x3 convolution (Facebook's
            ResNet) instead of the first 1x1 one (the original MSRA ResNet).
    """

    def __init__(self, in_channels, mid_channels, out_channels, stride=2, initialW=None,
                 downsample_fb=False):
        super().__init__()
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        conv = dict(initialW=initialW, nobias=True)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, mid_channels, 1, stride_1x1, 0, **conv)
            self.bn1 = BatchNormalization(mid_channels)
            self.conv2 = Convolution2D(mid_channels, mid_channels, 3, stride_3x3, 1, **conv)
            self.bn2 = BatchNormalization(mid_channels)
            self.conv3 = Convolution2D(mid_channels, out_channels, 1, 1, 0, **conv)
            self.bn3 = BatchNormalization(out_channels)
            self.conv4 = Convolution2D(in_channels, out_channels, 1, stride, 0, **conv)
            self.bn4 = BatchNormalization(out_channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return relu(h + self.bn4(self.conv4(x)))


class BottleneckB(_link.Chain):
    """A bottleneck that keeps the channels and the size: identity shortcut.

    Args:
        in_channels (int): Input and output channels.
        mid_channels (int): Channels inside the bottleneck.
        initialW: Initializer of the convolutions' weights.
    """

    def __init__(self, in_channels, mid_channels, initialW=None):
        super().__init__()
        conv = dict(initialW=initialW, nobias=True)
        with self.init_scope():
            self.conv1 = Convolution2D(in_channels, mid_channels, 1, 1, 0, **conv)
            self.bn1 = BatchNormalization(mid_channels)
            self.conv2 = Convolution2D(mid_channels, mid_channels, 3, 1, 1, **conv)
            self.bn2 = BatchNormalization(mid_channels)
            self.conv3 = Convolution2D(mid_channels, in_channels, 1, 1, 0, **conv)
            self.bn3 = BatchNormalization(in_channels)

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return relu(h + x)


class BuildingBlock(_link.Chain):
    """One stage: a :class:`BottleneckA` (``a``) then ``n_layers - 1`` :class:`BottleneckB`
    (``b1``, ``b2``, ...).

    Args:
        n_layers (int): Number of bottlenecks.
        in_channels (int): Input channels.
        mid_channels (int): Channels inside the bottlenecks.
        out_channels (int): Output channels.
        stride (int): Downsampling stride of the first bottleneck.
        initialW: Initializer of the convolutions' weights.
        downsample_fb (bool): See :class:`BottleneckA`.
        n_layer (int): Deprecated spelling of ``n_layers`` (a
            ``DeprecationWarning``, as in Chainer v7).
    """

    def __init__(self, n_layers=None, in_channels=None, mid_channels=None, out_channels=None,
                 stride=None, initialW=None, downsample_fb=None, **kwargs):
        super().__init__()
        if "n_layer" in kwargs:
            warnings.warn("BuildingBlock: the argument n_layer is deprecated; use n_layers",
                          DeprecationWarning, stacklevel=2)
            n_layers = kwargs.pop("n_layer")
        if kwargs:
            raise TypeError(f"BuildingBlock: unexpected keyword arguments {sorted(kwargs)}")
        if not isinstance(n_layers, int) or n_layers < 1:
            raise ValueError(f"BuildingBlock: n_layers must be a positive int, got {n_layers!r}")
        with self.init_scope():
            self.a = BottleneckA(in_channels, mid_channels, out_channels, stride, initialW,
                                 bool(downsample_fb))
            self._forward = ["a"]
            for i in range(1, n_layers):
                setattr(self, f"b{i}", BottleneckB(out_channels, mid_channels, initialW))
                self._forward.append(f"b{i}")

    def forward(self, x):
        for name in self._forward:
            x = getattr(self, name)(x)
        return x


class ResNetLayers(_common.PretrainedLayers):
    """ResNet with 50, 101 or 152 layers; use :class:`ResNet50Layers` and the others.

    Layers: ``conv1`` (7x7 stride 2, batch normalization, ReLU), ``pool1``
    (3x3 stride 2 max pooling), the stages ``res2``-``res5``
    (:class:`BuildingBlock`), ``pool5`` (global average pooling, so any input
    size of at least 32x32 works), ``fc6`` (1000 classes), ``prob`` (softmax).

    Args:
        pretrained_model (str or None): ``'auto'``, a ``'*.caffemodel'`` name
            or path (the same as ``'auto'``: the converted npz in the models
            directory), the path of an npz, or None for fresh weights
            (HeNormal(scale=1.0) convolutions).
        n_layers (int): 50, 101 or 152.
        downsample_fb (bool): See :class:`BottleneckA`.

    Attributes:
        available_layers (list of str): The nine layer names, in order.
    """

    def __init__(self, pretrained_model, n_layers, downsample_fb=False):
        super().__init__()
        if n_layers not in _BLOCKS:
            raise ValueError(f"ResNetLayers: n_layers must be 50, 101 or 152, got {n_layers!r}")
        if isinstance(pretrained_model, (str, os.PathLike)) and \
                os.fspath(pretrained_model).endswith(".caffemodel"):
            # As in Chainer: a Caffe model stands for its converted npz in the
            # models directory (which rechain cannot make from it).
            pretrained_model = "auto"
        weights = self._weights_file(pretrained_model, f"ResNet-{n_layers}-model.npz",
                                     _ORIGIN.format(n_layers))
        if pretrained_model:
            initialW = constant.Zero()   # overwritten by the file
        else:
            initialW = normal.HeNormal(scale=1.0)
        blocks = _BLOCKS[n_layers]
        with self.init_scope():
            self.conv1 = Convolution2D(3, 64, 7, 2, 3, initialW=initialW)
            self.bn1 = BatchNormalization(64)
            self.res2 = BuildingBlock(blocks[0], 64, 64, 256, 1, initialW, downsample_fb)
            self.res3 = BuildingBlock(blocks[1], 256, 128, 512, 2, initialW, downsample_fb)
            self.res4 = BuildingBlock(blocks[2], 512, 256, 1024, 2, initialW, downsample_fb)
            self.res5 = BuildingBlock(blocks[3], 1024, 512, 2048, 2, initialW, downsample_fb)
            self.fc6 = Linear(2048, 1000)
        self._load_weights(weights)

    @property
    def functions(self):
        """OrderedDict: layer name to the list of callables that compute it."""
        return collections.OrderedDict([
            ("conv1", [self.conv1, self.bn1, relu]),
            ("pool1", [_max_pooling_3x3]),
            ("res2", [self.res2]),
            ("res3", [self.res3]),
            ("res4", [self.res4]),
            ("res5", [self.res5]),
            ("pool5", [_global_average_pooling_2d]),
            ("fc6", [self.fc6]),
            ("prob", [softmax]),
        ])

    _prepare = staticmethod(prepare)


class ResNet50Layers(ResNetLayers):
    """ResNet-50 (stages of 3, 4, 6, 3 bottlenecks).

    Args:
        pretrained_model (str or None): ``'auto'`` (load
            ``<dataset root>/pfnet/chainer/models/ResNet-50-model.npz``), the
            path of an npz, or None (fresh weights).
        downsample_fb (bool): See :class:`BottleneckA`.

    Example:
        >>> model = L.ResNet50Layers(pretrained_model=None)
        >>> x = numpy.zeros((1, 3, 32, 32), numpy.float32)
        >>> model(x, layers=['pool5'])['pool5'].shape
        (1, 2048)
    """

    def __init__(self, pretrained_model="auto", downsample_fb=False):
        super().__init__(pretrained_model, 50, downsample_fb)


class ResNet101Layers(ResNetLayers):
    """ResNet-101 (stages of 3, 4, 23, 3 bottlenecks).

    Args:
        pretrained_model (str or None): ``'auto'`` (load
            ``<dataset root>/pfnet/chainer/models/ResNet-101-model.npz``), the
            path of an npz, or None (fresh weights).
        downsample_fb (bool): See :class:`BottleneckA`.
    """

    def __init__(self, pretrained_model="auto", downsample_fb=False):
        super().__init__(pretrained_model, 101, downsample_fb)


class ResNet152Layers(ResNetLayers):
    """ResNet-152 (stages of 3, 8, 36, 3 bottlenecks).

    Args:
        pretrained_model (str or None): ``'auto'`` (load
            ``<dataset root>/pfnet/chainer/models/ResNet-152-model.npz``), the
            path of an npz, or None (fresh weights).
        downsample_fb (bool): See :class:`BottleneckA`.
    """

    def __init__(self, pretrained_model="auto", downsample_fb=False):
        super().__init__(pretrained_model, 152, downsample_fb)

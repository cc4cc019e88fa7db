"""VGG-16 and VGG-19 (Simonyan and Zisserman, 2014), Chainer's ``VGG16Layers``/``VGG19Layers``.

Weights: ``pretrained_model=None`` draws them as the paper does (W from
Normal(0.01), biases zero); ``'auto'`` loads ``VGG_ILSVRC_16_layers.npz`` /
``VGG_ILSVRC_19_layers.npz`` from the models directory of the dataset root, a
path loads that npz (see Note [pretrained weights offline] in
:mod:`rechain.links.model.vision._common`).
"""

import collections

from rechain.functions.activation.relu import relu
from rechain.functions.activation.softmax import softmax
from rechain.functions.noise.dropout import dropout
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d
from rechain.initializers import constant
from rechain.initializers import normal
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.linear import Linear
from rechain.links.model.vision import _common

available = _common.available

#: The mean pixel of the training images, BGR, that ``prepare`` subtracts.
MEAN_BGR = (103.939, 116.779, 123.68)

# Output channels of the 3x3 convolutions of each stage, per depth.
_STAGES = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
_WIDTHS = (64, 128, 256, 512, 512)
_ORIGINS = {
    16: "https://www.robots.ox.ac.uk/~vgg/software/very_deep/caffe/"
        "VGG_ILSVRC_16_layers.caffemodel",
    19: "https://www.robots.ox.ac.uk/~vgg/software/very_deep/caffe/"
        "VGG_ILSVRC_19_layers.caffemodel",
}


def prepare(image, size=(224, 224)):
    """Turn an RGB image into a VGG input: resized, BGR, mean pixel subtracted, CHW.

    Needs Pillow.

    Args:
        image (PIL.Image.Image or numpy.ndarray): ``(H, W)``, ``(H, W, C)`` or
            ``(C, H, W)`` (C 1 or 3), RGB, 8-bit values.
        size (pair of ints or None): ``(width, height)`` to resize to; None
            keeps the size.

    Returns:
        numpy.ndarray: ``(3, height, width)`` of ``config.dtype``.

    Example:
        >>> prepare(numpy.zeros((32, 48, 3), numpy.uint8), size=None).shape
        (3, 32, 48)
    """
    return _common.prepare_image(image, size, MEAN_BGR, "vgg.prepare")


def _max_pooling_2d(x):
    return max_pooling_2d(x, ksize=2)


class VGGLayers(_common.PretrainedLayers):
    """VGG with 16 or 19 weight layers; use :class:`VGG16Layers` or :class:`VGG19Layers`.

    The convolutions are ``conv{stage}_{i}`` (3x3, pad 1, ReLU), each stage
    ends in ``pool{stage}`` (2x2 max pooling), then ``fc6`` and ``fc7``
    (4096 units, ReLU, dropout), ``fc8`` (1000 classes) and ``prob``
    (softmax). ``fc6`` takes 512x7x7 features, so the input is 224x224 up to
    ``prob``; the convolutional layers take any size.

    Args:
        pretrained_model (str or None): ``'auto'``, the path of an npz, or
            None for freshly drawn weights (Normal(0.01), zero biases).
        n_layers (int): 16 or 19.

    Attributes:
        available_layers (list of str): The layer names, in order.
    """

    _extract_default = "fc7"

    def __init__(self, pretrained_model="auto", n_layers=16):
        super().__init__()
        if n_layers not in _STAGES:
            raise ValueError(f"VGGLayers: n_layers must be 16 or 19, got {n_layers!r}")
        weights = self._weights_file(pretrained_model, f"VGG_ILSVRC_{n_layers}_layers.npz",
                                     _ORIGINS[n_layers])
        if pretrained_model:
            # The weights are overwritten by the file: zeros are cheaper to make.
            init = dict(initialW=constant.Zero(), initial_bias=constant.Zero())
        else:
            init = dict(initialW=normal.Normal(0.01), initial_bias=constant.Zero())
        self.n_layers = n_layers
        in_channels = 3
        with self.init_scope():
            for stage, (count, width) in enumerate(zip(_STAGES[n_layers], _WIDTHS), 1):
                for i in range(1, count + 1):
                    setattr(self, f"conv{stage}_{i}",
                            Convolution2D(in_channels, width, 3, 1, 1, **init))
                    in_channels = width
            self.fc6 = Linear(512 * 7 * 7, 4096, **init)
            self.fc7 = Linear(4096, 4096, **init)
            self.fc8 = Linear(4096, 1000, **init)
        self._load_weights(weights)

    @property
    def functions(self):
        """OrderedDict: layer name to the list of callables that compute it."""
        table = collections.OrderedDict()
        for stage, count in enumerate(_STAGES[self.n_layers], 1):
            for i in range(1, count + 1):
                name = f"conv{stage}_{i}"
                table[name] = [getattr(self, name), relu]
            table[f"pool{stage}"] = [_max_pooling_2d]
        table["fc6"] = [self.fc6, relu, dropout]
        table["fc7"] = [self.fc7, relu, dropout]
        table["fc8"] = [self.fc8]
        table["prob"] = [softmax]
        return table

    _prepare = staticmethod(prepare)


class VGG16Layers(VGGLayers):
    """VGG-16, 22 named layers from ``conv1_1`` to ``prob``.

    Args:
        pretrained_model (str or None): ``'auto'`` (load
            ``<dataset root>/pfnet/chainer/models/VGG_ILSVRC_16_layers.npz``),
            the path of an npz, or None (fresh weights).

    Example:
        >>> model = L.VGG16Layers(pretrained_model=None)
        >>> x = numpy.zeros((1, 3, 32, 32), numpy.float32)
        >>> model(x, layers=['pool5'])['pool5'].shape
        (1, 512, 1, 1)
    """

    def __init__(self, pretrained_model="auto"):
        super().__init__(pretrained_model, 16)


class VGG19Layers(VGGLayers):
    """VGG-19, 25 named layers from ``conv1_1`` to ``prob``.

    Args:
        pretrained_model (str or None): ``'auto'`` (load
            ``<dataset root>/pfnet/chainer/models/VGG_ILSVRC_19_layers.npz``),
            the path of an npz, or None (fresh weights).
    """

    def __init__(self, pretrained_model="auto"):
        super().__init__(pretrained_model, 19)

"""GoogLeNet (Inception-v1, Szegedy et al., 2014), Chainer's ``GoogLeNet``.

Weights: ``pretrained_model=None`` draws the weights as BVLC's Caffe model
does (Caffe's "xavier" filler, which is LeCunUniform(scale=1.0)); ``'auto'``
loads ``bvlc_googlenet.npz`` from the models directory of the dataset root, a
path loads that npz (see Note [pretrained weights offline] in
:mod:`rechain.links.model.vision._common`).
"""

import collections

from rechain.functions.activation.relu import relu
from rechain.functions.activation.softmax import softmax
from rechain.functions.noise.dropout import dropout
from rechain.functions.normalization.local_response_normalization import (
    local_response_normalization)
from rechain.functions.pooling.average_pooling_2d import average_pooling_2d
from rechain.functions.pooling.max_pooling_2d import max_pooling_2d
from rechain.initializers import constant
from rechain.initializers import uniform
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.inception import Inception
from rechain.links.connection.linear import Linear
from rechain.links.model.vision import _common

available = _common.available

#: The mean pixel, BGR, that ``prepare`` subtracts.
MEAN_BGR = (104.0, 117.0, 123.0)

_ORIGIN = "http://dl.caffe.berkeleyvision.org/bvlc_googlenet.caffemodel"

# in_channels, out1, proj3, out3, proj5, out5, proj_pool of the nine Inception modules.
_INCEPTIONS = (
    ("inc3a", (192, 64, 96, 128, 16, 32, 32)),
    ("inc3b", (256, 128, 128, 192, 32, 96, 64)),
    ("inc4a", (480, 192, 96, 208, 16, 48, 64)),
    ("inc4b", (512, 160, 112, 224, 24, 64, 64)),
    ("inc4c", (512, 128, 128, 256, 24, 64, 64)),
    ("inc4d", (512, 112, 144, 288, 32, 64, 64)),
    ("inc4e", (528, 256, 160, 320, 32, 128, 128)),
    ("inc5a", (832, 256, 160, 320, 32, 128, 128)),
    ("inc5b", (832, 384, 192, 384, 48, 128, 128)),
)


def prepare(image, size=(224, 224)):
    """Turn an RGB image into a GoogLeNet input: resized, BGR, mean pixel subtracted, CHW.

    Needs Pillow.

    Args:
        image (PIL.Image.Image or numpy.ndarray): ``(H, W)``, ``(H, W, C)`` or
            ``(C, H, W)`` (C 1 or 3), RGB, 8-bit values.
        size (pair of ints or None): ``(width, height)`` to resize to; None
            keeps the size.

    Returns:
        numpy.ndarray: ``(3, height, width)`` of ``config.dtype``.
    """
    return _common.prepare_image(image, size, MEAN_BGR, "googlenet.prepare")


def _max_pooling_2d(x):
    return max_pooling_2d(x, ksize=3, stride=2)


def _local_response_normalization(x):
    return local_response_normalization(x, n=5, k=1, alpha=1e-4 / 5)


def _average_pooling_5x5(x):
    return average_pooling_2d(x, ksize=5, stride=3)


def _average_pooling_7x7(x):
    return average_pooling_2d(x, ksize=7, stride=1)


def _dropout(x):
    return dropout(x, ratio=0.4)


class GoogLeNet(_common.PretrainedLayers):
    """GoogLeNet with its two auxiliary classifiers, 21 named layers.

    The main path runs ``conv1`` ... ``inception_5b``, ``pool5`` (7x7 average
    pooling), ``loss3_fc`` (dropout 0.4, 1000 classes) and ``prob``; the
    auxiliary classifiers ``loss1_fc2`` and ``loss2_fc2`` branch off
    ``inception_4a`` and ``inception_4d``. Asking for a layer runs only what
    it depends on. ``loss3_fc`` and the auxiliary classifiers need a 224x224
    input; the convolutional layers take smaller ones.

    Args:
        pretrained_model (str or None): ``'auto'`` (load
            ``<dataset root>/pfnet/chainer/models/bvlc_googlenet.npz``), the
            path of an npz, or None (fresh weights: LeCunUniform).

    Attributes:
        available_layers (list of str): The layer names, in order.

    Example:
        >>> model = L.GoogLeNet(pretrained_model=None)
        >>> x = numpy.zeros((1, 3, 64, 64), numpy.float32)
        >>> model(x, layers=['inception_3a'])['inception_3a'].shape
        (1, 256, 8, 8)
    """

    _layer_inputs = {"loss1_fc2": "inception_4a", "loss2_fc2": "inception_4d"}

    def __init__(self, pretrained_model="auto"):
        super().__init__()
        weights = self._weights_file(pretrained_model, "bvlc_googlenet.npz", _ORIGIN)
        if pretrained_model:
            init = dict(initialW=constant.Zero())   # overwritten by the file
        else:
            init = dict(initialW=uniform.LeCunUniform(scale=1.0))
        with self.init_scope():
            self.conv1 = Convolution2D(3, 64, 7, stride=2, pad=3, **init)
            self.conv2_reduce = Convolution2D(64, 64, 1, **init)
            self.conv2 = Convolution2D(64, 192, 3, stride=1, pad=1, **init)
            for name, sizes in _INCEPTIONS:
                setattr(self, name, Inception(*sizes))
            self.loss3_fc = Linear(1024, 1000, **init)
            self.loss1_conv = Convolution2D(512, 128, 1, **init)
            self.loss1_fc1 = Linear(2048, 1024, **init)
            self.loss1_fc2 = Linear(1024, 1000, **init)
            self.loss2_conv = Convolution2D(528, 128, 1, **init)
            self.loss2_fc1 = Linear(2048, 1024, **init)
            self.loss2_fc2 = Linear(1024, 1000, **init)
        self._load_weights(weights)

    @property
    def functions(self):
        """OrderedDict: layer name to the list of callables that compute it."""
        return collections.OrderedDict([
            ("conv1", [self.conv1, relu]),
            ("pool1", [_max_pooling_2d, _local_response_normalization]),
            ("conv2_reduce", [self.conv2_reduce, relu]),
            ("conv2", [self.conv2, relu, _local_response_normalization]),
            ("pool2", [_max_pooling_2d]),
            ("inception_3a", [self.inc3a]),
            ("inception_3b", [self.inc3b]),
            ("pool3", [_max_pooling_2d]),
            ("inception_4a", [self.inc4a]),
            ("inception_4b", [self.inc4b]),
            ("inception_4c", [self.inc4c]),
            ("inception_4d", [self.inc4d]),
            ("inception_4e", [self.inc4e]),
            ("pool4", [_max_pooling_2d]),
            ("inception_5a", [self.inc5a]),
            ("inception_5b", [self.inc5b]),
            ("pool5", [_average_pooling_7x7]),
            ("loss3_fc", [_dropout, self.loss3_fc]),
            ("prob", [softmax]),
            ("loss1_fc2", [_average_pooling_5x5, self.loss1_conv, relu, self.loss1_fc1, relu,
                           self.loss1_fc2]),
            ("loss2_fc2", [_average_pooling_5x5, self.loss2_conv, relu, self.loss2_fc1, relu,
                           self.loss2_fc2]),
        ])

    _prepare = staticmethod(prepare)

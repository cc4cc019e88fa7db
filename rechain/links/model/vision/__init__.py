"""Pretrained image models: VGG, ResNet, GoogLeNet (Chainer's ``chainer.links.model.vision``)."""

from rechain.links.model.vision import googlenet  # noqa: F401
from rechain.links.model.vision import resnet  # noqa: F401
from rechain.links.model.vision import vgg  # noqa: F401

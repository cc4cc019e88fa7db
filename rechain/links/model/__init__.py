"""Model links: Classifier and the pretrained image models."""

from rechain.links.model.classifier import Classifier
from rechain.links.model.vision.googlenet import GoogLeNet
from rechain.links.model.vision.resnet import ResNet50Layers, ResNet101Layers, ResNet152Layers
from rechain.links.model.vision.vgg import VGG16Layers, VGG19Layers

__all__ = ["Classifier", "GoogLeNet", "ResNet50Layers", "ResNet101Layers", "ResNet152Layers",
           "VGG16Layers", "VGG19Layers"]

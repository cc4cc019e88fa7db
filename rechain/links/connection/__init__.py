"""Connection links: Linear, Convolution2D, Deconvolution2D, EmbedID."""

from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.deconvolution_2d import Deconvolution2D
from rechain.links.connection.embed_id import EmbedID
from rechain.links.connection.linear import Linear

__all__ = ["Convolution2D", "Deconvolution2D", "EmbedID", "Linear"]

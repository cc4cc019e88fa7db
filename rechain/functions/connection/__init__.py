"""Connection functions: linear, convolution, deconvolution, embedding."""

from rechain.functions.connection.convolution_2d import convolution_2d
from rechain.functions.connection.deconvolution_2d import deconvolution_2d
from rechain.functions.connection.embed_id import embed_id
from rechain.functions.connection.linear import linear

__all__ = ["convolution_2d", "deconvolution_2d", "embed_id", "linear"]

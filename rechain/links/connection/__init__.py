"""Connection links: Linear, convolutions, deconvolutions, EmbedID, Inception, Scale, Bias,
Parameter."""

from rechain.links.connection.bias import Bias
from rechain.links.connection.bilinear import Bilinear
from rechain.links.connection.convolution_2d import Convolution2D
from rechain.links.connection.convolution_nd import Convolution1D, Convolution3D, ConvolutionND
from rechain.links.connection.deconvolution_2d import Deconvolution2D
from rechain.links.connection.deconvolution_nd import (Deconvolution1D, Deconvolution3D,
                                                       DeconvolutionND)
from rechain.links.connection.deformable_convolution_2d import DeformableConvolution2D
from rechain.links.connection.depthwise_convolution_2d import DepthwiseConvolution2D
from rechain.links.connection.dilated_convolution_2d import DilatedConvolution2D
from rechain.links.connection.embed_id import EmbedID
from rechain.links.connection.inception import Inception
from rechain.links.connection.inceptionbn import InceptionBN
from rechain.links.connection.linear import Linear
from rechain.links.connection.local_convolution_2d import LocalConvolution2D
from rechain.links.connection.mlp_convolution_2d import MLPConvolution2D
from rechain.links.connection.parameter import Parameter
from rechain.links.connection.scale import Scale

__all__ = ["Bias", "Bilinear", "Convolution1D", "Convolution2D", "Convolution3D", "ConvolutionND",
           "Deconvolution1D", "Deconvolution2D", "Deconvolution3D", "DeconvolutionND",
           "DeformableConvolution2D", "DepthwiseConvolution2D", "DilatedConvolution2D",
           "EmbedID", "Inception", "InceptionBN", "Linear", "LocalConvolution2D",
           "MLPConvolution2D", "Parameter", "Scale"]

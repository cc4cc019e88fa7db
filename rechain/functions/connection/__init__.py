"""Connection functions: linear, convolution, deconvolution, embedding."""

from rechain.functions.connection.bilinear import bilinear
# convolution_2d and local_convolution_2d are left to their modules (Chainer's
# tests reach convolution_2d.Convolution2DFunction); rechain/functions imports
# the functions.
from rechain.functions.connection import convolution_2d  # noqa: F401
from rechain.functions.connection.convolution_nd import (convolution_1d, convolution_3d,
                                                         convolution_nd)
from rechain.functions.connection.deconvolution_2d import deconvolution_2d
from rechain.functions.connection.deconvolution_nd import (deconvolution_1d, deconvolution_3d,
                                                           deconvolution_nd)
from rechain.functions.connection.deformable_convolution_2d_sampler import (
    deformable_convolution_2d_sampler)
from rechain.functions.connection.depthwise_convolution_2d import depthwise_convolution_2d
from rechain.functions.connection.dilated_convolution_2d import dilated_convolution_2d
from rechain.functions.connection.embed_id import embed_id
from rechain.functions.connection.linear import linear
from rechain.functions.connection import local_convolution_2d  # noqa: F401

__all__ = ["bilinear", "convolution_1d", "convolution_3d", "convolution_nd",
           "deconvolution_1d", "deconvolution_2d", "deconvolution_3d", "deconvolution_nd",
           "deformable_convolution_2d_sampler", "depthwise_convolution_2d",
           "dilated_convolution_2d", "embed_id", "linear"]

"""Connection functions: linear, convolution, deconvolution, embedding."""

from rechain.functions.connection.bilinear import bilinear
from rechain.functions.connection.convolution_2d import convolution_2d
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
# local_convolution_2d is left to its module (Chainer's tests reach it as
# one); rechain/functions imports the function.
from rechain.functions.connection import local_convolution_2d  # noqa: F401

__all__ = ["bilinear", "convolution_1d", "convolution_2d", "convolution_3d", "convolution_nd",
           "deconvolution_1d", "deconvolution_2d", "deconvolution_3d", "deconvolution_nd",
           "deformable_convolution_2d_sampler", "depthwise_convolution_2d",
           "dilated_convolution_2d", "embed_id", "linear"]

"""Array manipulation functions."""

from rechain.functions.array.broadcast import broadcast, broadcast_to, sum_to
from rechain.functions.array.cast import cast
from rechain.functions.array.concat import concat
from rechain.functions.array.expand_dims import expand_dims
from rechain.functions.array.flatten import flatten
from rechain.functions.array import flip as _flip  # noqa: F401  (the module)
from rechain.functions.array.get_item import get_item
from rechain.functions.array.hstack import hstack
from rechain.functions.array.moveaxis import moveaxis
from rechain.functions.array.pad import pad
from rechain.functions.array.repeat import repeat
from rechain.functions.array.reshape import reshape
from rechain.functions.array.rollaxis import rollaxis
from rechain.functions.array.separate import separate
from rechain.functions.array.split_axis import split_axis
from rechain.functions.array.squeeze import squeeze
from rechain.functions.array.stack import stack
from rechain.functions.array.swapaxes import swapaxes
from rechain.functions.array.tile import tile
from rechain.functions.array.transpose import transpose
from rechain.functions.array.transpose_sequence import transpose_sequence
from rechain.functions.array.vstack import vstack
from rechain.functions.array.where import where
from rechain.functions.array.as_strided import as_strided
from rechain.functions.array.copy import copy
from rechain.functions.array.im2col import im2col
from rechain.functions.array.resize_images import resize_images
from rechain.functions.array.spatial_transformer import (spatial_transformer_grid,
                                                          spatial_transformer_sampler)
from rechain.functions.array.depth2space import depth2space, space2depth
from rechain.functions.array.dstack import dstack
from rechain.functions.array.fliplr_flipud import fliplr, flipud
from rechain.functions.array.pad_sequence import pad_sequence
from rechain.functions.array.permutate import permutate
from rechain.functions.array.scatter_add import scatter_add
from rechain.functions.array.select_item import select_item

__all__ = ["as_strided", "broadcast", "broadcast_to", "cast", "concat", "copy", "depth2space",
           "dstack", "expand_dims", "flatten", "fliplr", "flipud", "get_item", "hstack",
           "im2col", "moveaxis", "pad", "pad_sequence", "permutate", "repeat", "reshape",
           "resize_images", "rollaxis", "scatter_add", "select_item", "separate",
           "space2depth", "spatial_transformer_grid", "spatial_transformer_sampler", "split_axis",
           "squeeze", "stack", "sum_to", "swapaxes", "tile", "transpose", "transpose_sequence",
           "vstack", "where"]

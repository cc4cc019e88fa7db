"""Normalization functions."""

from rechain.functions.normalization.batch_normalization import (
    batch_normalization, fixed_batch_normalization)
from rechain.functions.normalization.batch_normalization_relu import (
    batch_normalization_relu, lean_apply)
# batch_renormalization is left to its module (Chainer's tests reach
# batch_renormalization.fixed_batch_renormalization); rechain/functions
# imports the function.
from rechain.functions.normalization import batch_renormalization  # noqa: F401
from rechain.functions.normalization.batch_renormalization import \
    fixed_batch_renormalization
from rechain.functions.normalization.decorrelated_batch_normalization import (
    decorrelated_batch_normalization, fixed_decorrelated_batch_normalization)
from rechain.functions.normalization.group_normalization import group_normalization
from rechain.functions.normalization.l2_normalization import normalize
from rechain.functions.normalization.layer_normalization import layer_normalization
from rechain.functions.normalization.local_response_normalization import \
    local_response_normalization

__all__ = ["batch_normalization", "batch_normalization_relu",
           "decorrelated_batch_normalization", "fixed_batch_normalization",
           "fixed_batch_renormalization", "fixed_decorrelated_batch_normalization",
           "group_normalization", "lean_apply", "layer_normalization",
           "local_response_normalization", "normalize"]

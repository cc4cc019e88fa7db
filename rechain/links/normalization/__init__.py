"""Normalization links: BatchNormalization, BatchRenormalization,
DecorrelatedBatchNormalization, GroupNormalization, LayerNormalization."""

from rechain.links.normalization.batch_normalization import BatchNormalization
from rechain.links.normalization.batch_normalization_relu import BatchNormalizationReLU
from rechain.links.normalization.batch_renormalization import BatchRenormalization
from rechain.links.normalization.decorrelated_batch_normalization import (
    DecorrelatedBatchNormalization)
from rechain.links.normalization.group_normalization import GroupNormalization
from rechain.links.normalization.layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "BatchNormalizationReLU", "BatchRenormalization",
           "DecorrelatedBatchNormalization", "GroupNormalization",
           "LayerNormalization"]

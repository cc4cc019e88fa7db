"""Normalization links: BatchNormalization, LayerNormalization."""

from rechain.links.normalization.batch_normalization import BatchNormalization
from rechain.links.normalization.batch_normalization_relu import BatchNormalizationReLU
from rechain.links.normalization.layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "BatchNormalizationReLU", "LayerNormalization"]

"""Loss links: BlackOut, CRF1d, NegativeSampling, BinaryHierarchicalSoftmax."""

from rechain.links.loss.black_out import BlackOut
from rechain.links.loss.crf1d import CRF1d
from rechain.links.loss.hierarchical_softmax import BinaryHierarchicalSoftmax
from rechain.links.loss.negative_sampling import NegativeSampling

__all__ = ["BinaryHierarchicalSoftmax", "BlackOut", "CRF1d", "NegativeSampling"]

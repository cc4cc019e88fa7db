"""Loss links: NegativeSampling, BinaryHierarchicalSoftmax."""

from rechain.links.loss.hierarchical_softmax import BinaryHierarchicalSoftmax
from rechain.links.loss.negative_sampling import NegativeSampling

__all__ = ["BinaryHierarchicalSoftmax", "NegativeSampling"]

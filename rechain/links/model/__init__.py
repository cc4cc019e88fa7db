"""Model links: Classifier."""

from rechain.links.model.classifier import Classifier

__all__ = ["Classifier"]

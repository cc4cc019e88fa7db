"""Evaluation functions (metrics; not differentiable)."""

from rechain.functions.evaluation.accuracy import accuracy, binary_accuracy

__all__ = ["accuracy", "binary_accuracy"]

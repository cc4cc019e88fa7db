"""Evaluation functions (metrics; not differentiable)."""

from rechain.functions.evaluation.accuracy import accuracy, binary_accuracy
from rechain.functions.evaluation.classification_summary import (classification_summary,
                                                                  f1_score, precision, recall)
from rechain.functions.evaluation.r2_score import r2_score

__all__ = ["accuracy", "binary_accuracy", "classification_summary", "f1_score", "precision",
           "r2_score", "recall"]

"""Loss functions."""

from rechain.functions.loss.black_out import black_out
from rechain.functions.loss.contrastive import contrastive
from rechain.functions.loss.crf1d import argmax_crf1d
from rechain.functions.loss.cross_covariance import cross_covariance
from rechain.functions.loss.ctc import connectionist_temporal_classification
from rechain.functions.loss.decov import decov
from rechain.functions.loss.discriminative_loss import discriminative_margin_based_clustering_loss
from rechain.functions.loss.hinge import hinge
from rechain.functions.loss.triplet import triplet
from rechain.functions.loss.vae import bernoulli_nll, gaussian_kl_divergence, gaussian_nll
from rechain.functions.loss.huber_loss import huber_loss
from rechain.functions.loss.mean_absolute_error import mean_absolute_error
from rechain.functions.loss.mean_squared_error import mean_squared_error
from rechain.functions.loss import negative_sampling as _negative_sampling  # noqa: F401
from rechain.functions.loss.sigmoid_cross_entropy import sigmoid_cross_entropy
from rechain.functions.loss.softmax_cross_entropy import softmax_cross_entropy

__all__ = ["argmax_crf1d", "bernoulli_nll", "black_out", "connectionist_temporal_classification",
           "contrastive", "cross_covariance", "decov",
           "discriminative_margin_based_clustering_loss",
           "gaussian_kl_divergence", "gaussian_nll", "hinge", "huber_loss",
           "mean_absolute_error", "mean_squared_error",
           "sigmoid_cross_entropy", "softmax_cross_entropy", "triplet"]

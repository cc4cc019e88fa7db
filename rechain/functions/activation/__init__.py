"""Activation functions."""

from rechain.functions.activation.elu import elu, selu
from rechain.functions.activation.relu import leaky_relu, relu
from rechain.functions.activation.sigmoid import hard_sigmoid, sigmoid, tanh
from rechain.functions.activation.softmax import log_softmax, softmax
from rechain.functions.activation.softplus import softplus
from rechain.functions.activation.swish import swish
from rechain.functions.activation.prelu import prelu

__all__ = ["elu", "hard_sigmoid", "leaky_relu", "log_softmax", "prelu", "relu", "selu",
           "sigmoid", "softmax", "softplus", "swish", "tanh"]

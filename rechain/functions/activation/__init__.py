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

# Capped, concatenated, randomized ReLUs and maxout.
from rechain.functions.activation.clipped_relu import clipped_relu, relu6  # noqa: E402
from rechain.functions.activation.crelu import crelu  # noqa: E402
from rechain.functions.activation.maxout import maxout  # noqa: E402
from rechain.functions.activation.rrelu import rrelu  # noqa: E402

__all__ += ["clipped_relu", "crelu", "maxout", "relu6", "rrelu"]

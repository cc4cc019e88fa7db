"""Optimizers, Chainer's ``chainer.optimizers``."""

from rechain.optimizers.ada_grad import AdaGrad
from rechain.optimizers.adam import Adam, AdamW, AMSGrad
from rechain.optimizers.momentum_sgd import MomentumSGD
from rechain.optimizers.nesterov_ag import NesterovAG
from rechain.optimizers.rmsprop import RMSprop
from rechain.optimizers.sgd import SGD

__all__ = ["AdaGrad", "Adam", "AdamW", "AMSGrad", "MomentumSGD", "NesterovAG", "RMSprop",
           "SGD"]

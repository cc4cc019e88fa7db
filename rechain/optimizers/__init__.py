"""Optimizers, Chainer's ``chainer.optimizers``."""

from rechain.optimizers.ada_delta import AdaDelta
from rechain.optimizers.ada_grad import AdaGrad
from rechain.optimizers.adam import AdaBound, Adam, AdamW, AMSBound, AMSGrad
from rechain.optimizers.corrected_momentum_sgd import CorrectedMomentumSGD
from rechain.optimizers.momentum_sgd import MomentumSGD
from rechain.optimizers.msvag import MSVAG
from rechain.optimizers.nesterov_ag import NesterovAG
from rechain.optimizers.rmsprop import RMSprop
from rechain.optimizers.rmsprop_graves import RMSpropGraves
from rechain.optimizers.sgd import SGD
from rechain.optimizers.smorms3 import SMORMS3

__all__ = ["AdaBound", "AdaDelta", "AdaGrad", "Adam", "AdamW", "AMSBound", "AMSGrad",
           "CorrectedMomentumSGD", "MomentumSGD", "MSVAG", "NesterovAG", "RMSprop",
           "RMSpropGraves", "SGD", "SMORMS3"]

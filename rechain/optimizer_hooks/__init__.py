"""Optimizer hooks, Chainer's ``chainer.optimizer_hooks``.

Register with ``optimizer.add_hook(hook)``; they run before the parameter
updates unless registered with ``timing='post'``.
"""

from rechain.optimizer_hooks.gradient_clipping import GradientClipping
from rechain.optimizer_hooks.gradient_hard_clipping import GradientHardClipping
from rechain.optimizer_hooks.gradient_lars import GradientLARS
from rechain.optimizer_hooks.gradient_noise import GradientNoise
from rechain.optimizer_hooks.lasso import Lasso
from rechain.optimizer_hooks.weight_decay import WeightDecay

__all__ = ["GradientClipping", "GradientHardClipping", "GradientLARS", "GradientNoise", "Lasso",
           "WeightDecay"]

"""Momentum SGD with the momentum correction of Goyal et al. (2017), eq. (9).

:class:`MomentumSGD` keeps ``v`` in units of parameter change
(``v = mu v - lr g``), so changing ``lr`` mid-run mixes old steps at the old
rate into new ones. This variant keeps ``v`` in units of gradient and
multiplies by the *current* ``lr`` at each step, so a learning-rate schedule
takes effect at once.
"""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.01
_default.momentum = 0.9


class CorrectedMomentumSGDRule(optimizer.UpdateRule):
    """``v = momentum v - g; param += lr v``."""

    def __init__(self, parent_hyperparam=None, lr=None, momentum=None):
        super().__init__(parent_hyperparam or _default)
        if lr is not None:
            self.hyperparam.lr = lr
        if momentum is not None:
            self.hyperparam.momentum = momentum

    def init_state(self, param):
        self.state["v"] = param.xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        hp = self.hyperparam
        v = self.state["v"]
        v *= hp.momentum
        v -= param.grad
        param.array += hp.lr * v


class CorrectedMomentumSGD(optimizer.GradientMethod):
    """Momentum SGD whose momentum buffer is scaled by the current ``lr``.

    With a constant ``lr`` it takes the same steps as :class:`MomentumSGD`.

    Args:
        lr (float): Learning rate.
        momentum (float): Momentum.

    Example:
        >>> opt = optimizers.CorrectedMomentumSGD(lr=0.1).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    momentum = optimizer.HyperparameterProxy("momentum")

    def __init__(self, lr=_default.lr, momentum=_default.momentum):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    def create_update_rule(self):
        return CorrectedMomentumSGDRule(self.hyperparam)

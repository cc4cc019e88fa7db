"""Stochastic gradient descent with classical momentum."""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.01
_default.momentum = 0.9


class MomentumSGDRule(optimizer.UpdateRule):
    """``v = momentum * v - lr * grad; param += v``."""

    def __init__(self, parent_hyperparam=None, lr=None, momentum=None):
        super().__init__(parent_hyperparam or _default)
        if lr is not None:
            self.hyperparam.lr = lr
        if momentum is not None:
            self.hyperparam.momentum = momentum

    def init_state(self, param):
        self.state["v"] = param.xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        v = self.state["v"]
        v *= hp.momentum
        v -= hp.lr * param.grad
        param.array += v


class MomentumSGD(optimizer.GradientMethod):
    """SGD with momentum: ``v = momentum * v - lr * grad; param += v``.

    Args:
        lr (float): Learning rate.
        momentum (float): Momentum.

    Example:
        >>> opt = optimizers.MomentumSGD(lr=0.1).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    momentum = optimizer.HyperparameterProxy("momentum")

    def __init__(self, lr=_default.lr, momentum=_default.momentum):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.momentum = momentum

    def create_update_rule(self):
        return MomentumSGDRule(self.hyperparam)

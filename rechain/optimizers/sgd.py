"""Stochastic gradient descent."""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.01


class SGDRule(optimizer.UpdateRule):
    """``param -= lr * grad``."""

    def __init__(self, parent_hyperparam=None, lr=None):
        super().__init__(parent_hyperparam or _default)
        if lr is not None:
            self.hyperparam.lr = lr

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        param.array -= self.hyperparam.lr * param.grad


class SGD(optimizer.GradientMethod):
    """Vanilla stochastic gradient descent: ``param -= lr * grad``.

    Args:
        lr (float): Learning rate.

    Example:
        >>> opt = optimizers.SGD(lr=0.1).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")

    def __init__(self, lr=_default.lr):
        super().__init__()
        self.hyperparam.lr = lr

    def create_update_rule(self):
        return SGDRule(self.hyperparam)

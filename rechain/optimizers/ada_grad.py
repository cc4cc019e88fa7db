"""AdaGrad (Duchi et al. 2011)."""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.001
_default.eps = 1e-8


class AdaGradRule(optimizer.UpdateRule):
    """``h += g²; param -= lr g / (sqrt(h) + eps)``."""

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _default)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        self.state["h"] = param.xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        g = param.grad
        h = self.state["h"]
        h += g * g
        param.array -= hp.lr * g / (param.xp.sqrt(h) + hp.eps)


class AdaGrad(optimizer.GradientMethod):
    """AdaGrad: per-coordinate steps shrinking with the accumulated squared gradient.

    Args:
        lr (float): Learning rate.
        eps (float): Added to the denominator.

    Example:
        >>> opt = optimizers.AdaGrad(lr=0.01).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    eps = optimizer.HyperparameterProxy("eps")

    def __init__(self, lr=_default.lr, eps=_default.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return AdaGradRule(self.hyperparam)

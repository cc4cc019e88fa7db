"""RMSprop (Tieleman & Hinton 2012)."""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.01
_default.alpha = 0.99
_default.eps = 1e-8
_default.eps_inside_sqrt = False


class RMSpropRule(optimizer.UpdateRule):
    """``ms = alpha ms + (1 - alpha) g²; param -= lr g / (sqrt(ms) + eps)``."""

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None, eps=None,
                 eps_inside_sqrt=None):
        super().__init__(parent_hyperparam or _default)
        for name, value in (("lr", lr), ("alpha", alpha), ("eps", eps),
                            ("eps_inside_sqrt", eps_inside_sqrt)):
            if value is not None:
                setattr(self.hyperparam, name, value)

    def init_state(self, param):
        self.state["ms"] = param.xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        xp = param.xp
        g = param.grad
        ms = self.state["ms"]
        ms *= hp.alpha
        ms += (1 - hp.alpha) * g * g
        if hp.eps_inside_sqrt:
            denom = xp.sqrt(ms + hp.eps)
        else:
            denom = xp.sqrt(ms) + hp.eps
        param.array -= hp.lr * g / denom


class RMSprop(optimizer.GradientMethod):
    """RMSprop: scale the step by a running RMS of the gradient.

    Args:
        lr (float): Learning rate.
        alpha (float): Decay of the running mean of squared gradients.
        eps (float): Added to the denominator.
        eps_inside_sqrt (bool): Add ``eps`` inside the square root instead.

    Example:
        >>> opt = optimizers.RMSprop(lr=0.001).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    alpha = optimizer.HyperparameterProxy("alpha")
    eps = optimizer.HyperparameterProxy("eps")
    eps_inside_sqrt = optimizer.HyperparameterProxy("eps_inside_sqrt")

    def __init__(self, lr=_default.lr, alpha=_default.alpha, eps=_default.eps,
                 eps_inside_sqrt=_default.eps_inside_sqrt):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.eps = eps
        self.hyperparam.eps_inside_sqrt = eps_inside_sqrt

    def create_update_rule(self):
        return RMSpropRule(self.hyperparam)

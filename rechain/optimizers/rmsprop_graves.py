"""RMSprop as Graves (2013, "Generating sequences with RNNs") uses it.

It normalises the gradient by a running estimate of its standard deviation
(not of its RMS, as plain RMSprop does) and adds momentum on top.
"""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 1e-4
_default.alpha = 0.95
_default.momentum = 0.9
_default.eps = 1e-4


class RMSpropGravesRule(optimizer.UpdateRule):
    """The update of one parameter::

        n = alpha n + (1 - alpha) g²
        a = alpha a + (1 - alpha) g
        delta = momentum delta - lr g / sqrt(n - a² + eps)
        param += delta
    """

    def __init__(self, parent_hyperparam=None, lr=None, alpha=None, momentum=None,
                 eps=None):
        super().__init__(parent_hyperparam or _default)
        for name, value in (("lr", lr), ("alpha", alpha), ("momentum", momentum),
                            ("eps", eps)):
            if value is not None:
                setattr(self.hyperparam, name, value)

    def init_state(self, param):
        xp = param.xp
        # Chainer's state names: n (mean of g²), g (mean of g), delta (the step).
        self.state["n"] = xp.zeros_like(param.array)
        self.state["g"] = xp.zeros_like(param.array)
        self.state["delta"] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        xp = param.xp
        grad = param.grad
        n, a, delta = self.state["n"], self.state["g"], self.state["delta"]
        n += (1 - hp.alpha) * (grad * grad - n)
        a += (1 - hp.alpha) * (grad - a)
        delta *= hp.momentum
        delta -= hp.lr * grad / xp.sqrt(n - a * a + hp.eps)
        param.array += delta


class RMSpropGraves(optimizer.GradientMethod):
    """Graves' RMSprop: centred second moment plus momentum.

    Args:
        lr (float): Learning rate.
        alpha (float): Decay rate of the running first and second moments.
        momentum (float): Momentum of the step.
        eps (float): Added inside the square root.

    Example:
        >>> opt = optimizers.RMSpropGraves(lr=1e-4).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    alpha = optimizer.HyperparameterProxy("alpha")
    momentum = optimizer.HyperparameterProxy("momentum")
    eps = optimizer.HyperparameterProxy("eps")

    def __init__(self, lr=_default.lr, alpha=_default.alpha, momentum=_default.momentum,
                 eps=_default.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.alpha = alpha
        self.hyperparam.momentum = momentum
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return RMSpropGravesRule(self.hyperparam)

"""AdaDelta (Zeiler 2012): a step size made from running RMS of steps and gradients."""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.rho = 0.95
_default.eps = 1e-6


class AdaDeltaRule(optimizer.UpdateRule):
    """The AdaDelta update of one parameter::

        msg  = rho msg + (1 - rho) g²
        dx   = sqrt((msdx + eps) / (msg + eps)) g
        msdx = rho msdx + (1 - rho) dx²
        param -= dx

    There is no learning rate: the ratio of the two running RMS values sets
    the units of the step.
    """

    def __init__(self, parent_hyperparam=None, rho=None, eps=None):
        super().__init__(parent_hyperparam or _default)
        if rho is not None:
            self.hyperparam.rho = rho
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = param.xp
        self.state["msg"] = xp.zeros_like(param.array)
        self.state["msdx"] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        xp = param.xp
        g = param.grad
        msg, msdx = self.state["msg"], self.state["msdx"]
        msg += (1 - hp.rho) * (g * g - msg)
        dx = xp.sqrt((msdx + hp.eps) / (msg + hp.eps)) * g
        msdx += (1 - hp.rho) * (dx * dx - msdx)
        param.array -= dx


class AdaDelta(optimizer.GradientMethod):
    """AdaDelta: adaptive steps without a learning rate.

    Args:
        rho (float): Decay rate of both running means.
        eps (float): Added inside both square roots.

    Example:
        >>> opt = optimizers.AdaDelta(rho=0.95).setup(model)
    """

    rho = optimizer.HyperparameterProxy("rho")
    eps = optimizer.HyperparameterProxy("eps")

    def __init__(self, rho=_default.rho, eps=_default.eps):
        super().__init__()
        self.hyperparam.rho = rho
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return AdaDeltaRule(self.hyperparam)

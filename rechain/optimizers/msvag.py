"""M-SVAG (Balles & Hennig 2018, "Dissecting Adam"), with decoupled weight decay.

Momentum SGD whose step is damped per element by an estimate of how much of
the bias-corrected mean gradient ``m`` is signal: ``factor = m² / (m² + rho s)``
with ``s`` the variance estimate and ``rho`` the variance-reduction factor of
the exponential average.
"""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.1
_default.beta = 0.9
_default.eta = 1.0
_default.weight_decay_rate = 0


def _rho(beta, beta_t):
    """How much an exponential average with decay ``beta`` after ``t`` steps
    (``beta_t = beta^t``) shrinks the variance, capped below one."""
    rho = ((1.0 - beta) ** 2 * (1.0 - beta_t ** 2)
           / ((1.0 - beta_t) ** 2 * (1.0 - beta ** 2)))
    return min(rho, 0.9999)


class MSVAGRule(optimizer.UpdateRule):
    """The M-SVAG update of one parameter at this rule's step ``t``::

        m += (1 - beta) (g - m);  v += (1 - beta) (g² - v)
        mt = m / (1 - beta^t);    vt = v / (1 - beta^t)
        s = (vt - mt²) / (1 - rho)
        factor = clip(mt² / (mt² + rho s), 0, 1)   (0 where 0/0)
        param -= eta (lr mt factor + weight_decay_rate param)

    ``beta^t`` is computed from ``t``, so it is saved and resumed with the rule
    (Chainer keeps a running product on the rule that a snapshot does not hold).
    """

    def __init__(self, parent_hyperparam=None, lr=None, beta=None, eta=None,
                 weight_decay_rate=None):
        super().__init__(parent_hyperparam or _default)
        for name, value in (("lr", lr), ("beta", beta), ("eta", eta),
                            ("weight_decay_rate", weight_decay_rate)):
            if value is not None:
                setattr(self.hyperparam, name, value)

    def init_state(self, param):
        xp = param.xp
        self.state["m"] = xp.zeros_like(param.array)
        self.state["v"] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        xp = param.xp
        g = param.grad
        beta_t = hp.beta ** self.t
        rho = _rho(hp.beta, beta_t)
        m, v = self.state["m"], self.state["v"]
        m += (1 - hp.beta) * (g - m)
        v += (1 - hp.beta) * (g * g - v)
        mt = m / (1 - beta_t)
        vt = v / (1 - beta_t)
        mt2 = mt * mt
        denom = mt2 + rho * (vt - mt2) / (1 - rho)
        zero = denom == 0  # g and v both zero so far: no signal, no step
        factor = xp.where(zero, 0, mt2 / xp.where(zero, 1, denom))
        factor = xp.clip(factor, 0, 1)
        step = hp.lr * mt * factor
        if hp.weight_decay_rate != 0:
            step += hp.weight_decay_rate * param.array
        param.array -= (hp.eta * step).astype(param.array.dtype, copy=False)


class MSVAG(optimizer.GradientMethod):
    """M-SVAG: variance-adapted momentum SGD.

    Args:
        lr (float): Learning rate.
        beta (float): Decay rate of both moments.
        eta (float): Schedule multiplier of the whole step.
        weight_decay_rate (float): Decoupled weight decay.

    Example:
        >>> opt = optimizers.MSVAG(lr=0.1).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    beta = optimizer.HyperparameterProxy("beta")
    eta = optimizer.HyperparameterProxy("eta")
    weight_decay_rate = optimizer.HyperparameterProxy("weight_decay_rate")

    def __init__(self, lr=_default.lr, beta=_default.beta, eta=_default.eta,
                 weight_decay_rate=_default.weight_decay_rate):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.beta = beta
        self.hyperparam.eta = eta
        self.hyperparam.weight_decay_rate = weight_decay_rate

    def create_update_rule(self):
        return MSVAGRule(self.hyperparam)

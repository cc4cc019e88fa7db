"""Adam (Kingma & Ba 2015), with AdamW's decoupled weight decay and AMSGrad."""

import math

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.alpha = 0.001
_default.beta1 = 0.9
_default.beta2 = 0.999
_default.eps = 1e-8
_default.eta = 1.0
_default.weight_decay_rate = 0
_default.amsgrad = False


def _learning_rate(hp, t):
    """The bias-corrected step size ``alpha sqrt(1 - beta2^t) / (1 - beta1^t)``."""
    if t == 0:
        raise RuntimeError("Adam: the learning rate is undefined before the first update "
                           "(t == 0)")
    return hp.alpha * math.sqrt(1.0 - math.pow(hp.beta2, t)) / (1.0 - math.pow(hp.beta1, t))


class AdamRule(optimizer.UpdateRule):
    """The Adam update of one parameter.

    With ``g`` the gradient and ``t`` this rule's update count::

        m += (1 - beta1) (g - m)
        v += (1 - beta2) (g² - v)
        vhat = max(vhat, v) if amsgrad else v
        param -= eta (alpha_t m / (sqrt(vhat) + eps) + weight_decay_rate param)

    where ``alpha_t = alpha sqrt(1 - beta2^t) / (1 - beta1^t)``.
    """

    def __init__(self, parent_hyperparam=None, alpha=None, beta1=None, beta2=None, eps=None,
                 eta=None, weight_decay_rate=None, amsgrad=None):
        super().__init__(parent_hyperparam or _default)
        for name, value in (("alpha", alpha), ("beta1", beta1), ("beta2", beta2),
                            ("eps", eps), ("eta", eta),
                            ("weight_decay_rate", weight_decay_rate), ("amsgrad", amsgrad)):
            if value is not None:
                setattr(self.hyperparam, name, value)

    def init_state(self, param):
        xp = param.xp
        self.state["m"] = xp.zeros_like(param.array)
        self.state["v"] = xp.zeros_like(param.array)
        if self.hyperparam.amsgrad:
            self.state["vhat"] = xp.zeros_like(param.array)

    @property
    def alpha_t(self):
        """The bias-corrected step size at this rule's ``t``."""
        return _learning_rate(self.hyperparam, self.t)

    @property
    def lr(self):
        return self.alpha_t

    def update_core_cpu(self, param):
        hp = self.hyperparam
        xp = param.xp
        g = param.grad
        eps = float(hp.eps)
        if eps != 0 and g.dtype.type(eps) == 0:
            raise ValueError(f"Adam: eps={eps} is zero in the gradient's dtype {g.dtype}; "
                             f"use a larger eps")
        m, v = self.state["m"], self.state["v"]
        m += (1 - hp.beta1) * (g - m)
        v += (1 - hp.beta2) * (g * g - v)
        if hp.amsgrad:
            vhat = self.state.get("vhat")
            if vhat is None:  # amsgrad switched on after the state was made
                vhat = self.state["vhat"] = v.copy()
            xp.maximum(vhat, v, out=vhat)
        else:
            vhat = v
        step = self.alpha_t * m / (xp.sqrt(vhat) + eps)
        if hp.weight_decay_rate != 0:
            step += hp.weight_decay_rate * param.array
        param.array -= hp.eta * step


class Adam(optimizer.GradientMethod):
    """Adam, with optional decoupled weight decay (AdamW) and AMSGrad.

    Args:
        alpha (float): Step size.
        beta1, beta2 (float): Decay rates of the first and second moments.
        eps (float): Added to the denominator.
        eta (float): Schedule multiplier of the whole step.
        weight_decay_rate (float): Decoupled weight decay (AdamW,
            Loshchilov & Hutter 2019): ``eta * rate * param`` is subtracted.
        amsgrad (bool): Use the running maximum of ``v`` (Reddi et al. 2018).

    Example:
        >>> opt = optimizers.Adam(alpha=1e-3).setup(model)
    """

    alpha = optimizer.HyperparameterProxy("alpha")
    beta1 = optimizer.HyperparameterProxy("beta1")
    beta2 = optimizer.HyperparameterProxy("beta2")
    eps = optimizer.HyperparameterProxy("eps")
    eta = optimizer.HyperparameterProxy("eta")
    weight_decay_rate = optimizer.HyperparameterProxy("weight_decay_rate")
    amsgrad = optimizer.HyperparameterProxy("amsgrad")

    def __init__(self, alpha=_default.alpha, beta1=_default.beta1, beta2=_default.beta2,
                 eps=_default.eps, eta=_default.eta, weight_decay_rate=_default.weight_decay_rate,
                 amsgrad=_default.amsgrad, adabound=False, final_lr=0.1, gamma=1e-3):
        if adabound:
            raise NotImplementedError("Adam: adabound=True (AdaBound) is not implemented")
        super().__init__()
        hp = self.hyperparam
        hp.alpha = alpha
        hp.beta1 = beta1
        hp.beta2 = beta2
        hp.eps = eps
        hp.eta = eta
        hp.weight_decay_rate = weight_decay_rate
        hp.amsgrad = amsgrad

    def create_update_rule(self):
        return AdamRule(self.hyperparam)

    @property
    def alpha_t(self):
        """The bias-corrected step size at the optimizer's ``t``."""
        return _learning_rate(self.hyperparam, self.t)

    @property
    def lr(self):
        """Alias of :attr:`alpha_t` (the effective learning rate)."""
        return self.alpha_t


class AdamW(Adam):
    """Adam with decoupled weight decay (``Adam(weight_decay_rate=...)``).

    Example:
        >>> opt = optimizers.AdamW(weight_decay_rate=0.01).setup(model)
    """

    def __init__(self, alpha=_default.alpha, beta1=_default.beta1, beta2=_default.beta2,
                 eps=_default.eps, eta=_default.eta, weight_decay_rate=_default.weight_decay_rate):
        super().__init__(alpha, beta1, beta2, eps, eta, weight_decay_rate)


class AMSGrad(Adam):
    """Adam with the AMSGrad correction (``Adam(amsgrad=True)``).

    Example:
        >>> opt = optimizers.AMSGrad().setup(model)
    """

    def __init__(self, alpha=_default.alpha, beta1=_default.beta1, beta2=_default.beta2,
                 eps=_default.eps, eta=_default.eta):
        super().__init__(alpha, beta1, beta2, eps, eta, amsgrad=True)

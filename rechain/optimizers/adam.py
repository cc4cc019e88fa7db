"""Adam (Kingma & Ba 2015), with AdamW's decoupled weight decay, AMSGrad, and
AdaBound/AMSBound (Luo et al. 2019), which clip Adam's per-element step size
into bounds that close in on a final SGD learning rate."""

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
_default.adabound = False
_default.final_lr = 0.1
_default.gamma = 1e-3


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
        lr = alpha_t / (sqrt(vhat) + eps)
        lr = clip(lr, lower, upper)          (adabound only)
        param -= eta (lr m + weight_decay_rate param)

    where ``alpha_t = alpha sqrt(1 - beta2^t) / (1 - beta1^t)`` and, for
    AdaBound, with ``f = final_lr alpha / initial_alpha``::

        lower = f (1 - 1 / (gamma t + 1)),   upper = f (1 + 1 / (gamma t))

    ``initial_alpha`` is ``alpha`` when the rule is made, so a schedule that
    scales ``alpha`` scales the final rate too.
    """

    def __init__(self, parent_hyperparam=None, alpha=None, beta1=None, beta2=None, eps=None,
                 eta=None, weight_decay_rate=None, amsgrad=None, adabound=None,
                 final_lr=None, gamma=None):
        super().__init__(parent_hyperparam or _default)
        for name, value in (("alpha", alpha), ("beta1", beta1), ("beta2", beta2),
                            ("eps", eps), ("eta", eta),
                            ("weight_decay_rate", weight_decay_rate), ("amsgrad", amsgrad),
                            ("adabound", adabound), ("final_lr", final_lr),
                            ("gamma", gamma)):
            if value is not None:
                setattr(self.hyperparam, name, value)
        self.initial_alpha = self.hyperparam.alpha

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

    @property
    def bounds(self):
        """AdaBound's ``(lower, upper)`` bounds of the step size at this rule's ``t``."""
        if self.t == 0:
            raise RuntimeError("Adam: the AdaBound bounds are undefined before the first "
                               "update (t == 0)")
        hp = self.hyperparam
        final_lr = hp.final_lr * hp.alpha / self.initial_alpha
        lower = final_lr * (1.0 - 1.0 / (hp.gamma * self.t + 1))
        upper = final_lr * (1.0 + 1.0 / (hp.gamma * self.t))
        return lower, upper

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
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
        if hp.adabound:
            lower, upper = self.bounds
            step = xp.clip(self.alpha_t / (xp.sqrt(vhat) + eps), lower, upper) * m
        else:
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
        adabound (bool): Clip the step size into AdaBound's bounds (with
            ``amsgrad`` too: AMSBound).
        final_lr (float): The SGD learning rate the bounds close in on.
        gamma (float): How fast the bounds close.

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
    adabound = optimizer.HyperparameterProxy("adabound")
    final_lr = optimizer.HyperparameterProxy("final_lr")
    gamma = optimizer.HyperparameterProxy("gamma")

    def __init__(self, alpha=_default.alpha, beta1=_default.beta1, beta2=_default.beta2,
                 eps=_default.eps, eta=_default.eta, weight_decay_rate=_default.weight_decay_rate,
                 amsgrad=_default.amsgrad, adabound=_default.adabound,
                 final_lr=_default.final_lr, gamma=_default.gamma):
        if adabound and (final_lr <= 0 or gamma <= 0):
            raise ValueError(f"Adam: adabound needs final_lr > 0 and gamma > 0, got "
                             f"final_lr={final_lr} and gamma={gamma}")
        super().__init__()
        hp = self.hyperparam
        hp.alpha = alpha
        hp.beta1 = beta1
        hp.beta2 = beta2
        hp.eps = eps
        hp.eta = eta
        hp.weight_decay_rate = weight_decay_rate
        hp.amsgrad = amsgrad
        hp.adabound = adabound
        hp.final_lr = final_lr
        hp.gamma = gamma

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


class AdaBound(Adam):
    """Adam whose step size is clipped into bounds closing on ``final_lr``
    (``Adam(adabound=True)``).

    Example:
        >>> opt = optimizers.AdaBound(final_lr=0.1).setup(model)
    """

    def __init__(self, alpha=_default.alpha, beta1=_default.beta1, beta2=_default.beta2,
                 final_lr=_default.final_lr, gamma=_default.gamma, eps=_default.eps,
                 eta=_default.eta):
        super().__init__(alpha, beta1, beta2, eps, eta, amsgrad=False, adabound=True,
                         final_lr=final_lr, gamma=gamma)


class AMSBound(Adam):
    """AMSGrad with AdaBound's clipping (``Adam(amsgrad=True, adabound=True)``).

    Example:
        >>> opt = optimizers.AMSBound(final_lr=0.1).setup(model)
    """

    def __init__(self, alpha=_default.alpha, beta1=_default.beta1, beta2=_default.beta2,
                 final_lr=_default.final_lr, gamma=_default.gamma, eps=_default.eps,
                 eta=_default.eta):
        super().__init__(alpha, beta1, beta2, eps, eta, amsgrad=True, adabound=True,
                         final_lr=final_lr, gamma=gamma)

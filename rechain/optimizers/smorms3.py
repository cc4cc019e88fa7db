"""SMORMS3 (Simon Funk 2015): RMSprop with a per-element memory length.

Each element keeps a "memory" ``mem`` that says over how many steps its
running moments average; a consistent gradient (``g²/g2`` near 1) shortens
it, noise lengthens it. The step is capped at ``lr`` per unit of RMS.
"""

from rechain import optimizer

_default = optimizer.Hyperparameter()
_default.lr = 0.001
_default.eps = 1e-16


class SMORMS3Rule(optimizer.UpdateRule):
    """The update of one parameter, with ``r = 1 / (mem + 1)``::

        a  = (1 - r) a + r g
        a2 = (1 - r) a2 + r g²
        x  = a² / (a2 + eps)
        param -= g min(x, lr) / (sqrt(a2) + eps)
        mem = 1 + mem (1 - x)

    ``mem`` starts at one, ``a`` and ``a2`` at zero.
    """

    def __init__(self, parent_hyperparam=None, lr=None, eps=None):
        super().__init__(parent_hyperparam or _default)
        if lr is not None:
            self.hyperparam.lr = lr
        if eps is not None:
            self.hyperparam.eps = eps

    def init_state(self, param):
        xp = param.xp
        self.state["mem"] = xp.ones_like(param.array)
        self.state["g"] = xp.zeros_like(param.array)
        self.state["g2"] = xp.zeros_like(param.array)

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        xp = param.xp
        grad = param.grad
        mem, a, a2 = self.state["mem"], self.state["g"], self.state["g2"]
        r = 1 / (mem + 1)
        a += r * (grad - a)
        a2 += r * (grad * grad - a2)
        x = a * a / (a2 + hp.eps)
        param.array -= grad * xp.minimum(x, hp.lr) / (xp.sqrt(a2) + hp.eps)
        mem *= 1 - x
        mem += 1


class SMORMS3(optimizer.GradientMethod):
    """SMORMS3: squared-mean-over-root-mean-squared with adaptive memory.

    Args:
        lr (float): Largest step, per unit of the gradient's RMS.
        eps (float): Added to denominators.

    Example:
        >>> opt = optimizers.SMORMS3(lr=0.001).setup(model)
    """

    lr = optimizer.HyperparameterProxy("lr")
    eps = optimizer.HyperparameterProxy("eps")

    def __init__(self, lr=_default.lr, eps=_default.eps):
        super().__init__()
        self.hyperparam.lr = lr
        self.hyperparam.eps = eps

    def create_update_rule(self):
        return SMORMS3Rule(self.hyperparam)

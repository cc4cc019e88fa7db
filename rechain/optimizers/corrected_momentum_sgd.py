"""Momentum SGD with the momentum correction of Goyal et al. (2017), eq. (9).

:class:`MomentumSGD` keeps ``v`` in units of parameter change
(``v = mu v - lr g``), so changing ``lr`` mid-run mixes old steps at the old
rate into new ones. This variant keeps ``v`` in units of gradient and
multiplies by the *current* ``lr`` at each step, so a learning-rate schedule
takes effect at once.
"""

from rechain.optimizers import momentum_sgd


class CorrectedMomentumSGDRule(momentum_sgd.MomentumSGDRule):
    """``v = momentum v - g; param += lr v`` (MomentumSGD's rule, hyperparameters
    and state; only the update differs)."""

    def update_core_cpu(self, param):
        if param.grad is None:  # no gradient (as in Chainer, the rule is still called)
            return
        hp = self.hyperparam
        v = self.state["v"]
        v *= hp.momentum
        v -= param.grad
        param.array += hp.lr * v


class CorrectedMomentumSGD(momentum_sgd.MomentumSGD):
    """Momentum SGD whose momentum buffer is scaled by the current ``lr``.

    With a constant ``lr`` it takes the same steps as :class:`MomentumSGD`.

    Args:
        lr (float): Learning rate.
        momentum (float): Momentum.

    Example:
        >>> opt = optimizers.CorrectedMomentumSGD(lr=0.1).setup(model)
    """

    def create_update_rule(self):
        return CorrectedMomentumSGDRule(self.hyperparam)

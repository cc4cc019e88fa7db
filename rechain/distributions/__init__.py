"""Probability distributions, Chainer's ``chainer.distributions``.

Parameters are Variables, statistics and ``log_prob`` are differentiable
rechain expressions, and draws come from the framework stream
(``rechain.random``). ``rechain.kl_divergence(p, q)`` dispatches on the two
types through :func:`register_kl`.
"""

from rechain.distributions.bernoulli import Bernoulli, bernoulli_log_prob
from rechain.distributions.categorical import Categorical
from rechain.distributions.distribution import (Distribution, cross_entropy, kl_divergence,
                                                register_kl)
from rechain.distributions.independent import Independent
from rechain.distributions.normal import Normal

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal",
           "bernoulli_log_prob", "cross_entropy", "kl_divergence", "register_kl"]

"""Probability distributions, Chainer's ``chainer.distributions``.

Parameters are Variables, statistics and ``log_prob`` are differentiable
rechain expressions, and draws come from the framework stream
(``rechain.random``). ``rechain.kl_divergence(p, q)`` dispatches on the two
types through :func:`register_kl`.
"""

from rechain.distributions.bernoulli import Bernoulli, bernoulli_log_prob
from rechain.distributions.beta import Beta
from rechain.distributions.categorical import Categorical
from rechain.distributions.cauchy import Cauchy
from rechain.distributions.dirichlet import Dirichlet
from rechain.distributions.distribution import (Distribution, cross_entropy, kl_divergence,
                                                register_kl)
from rechain.distributions.exponential import Exponential
from rechain.distributions.gamma import Chisquare, Gamma
from rechain.distributions.gumbel import Gumbel
from rechain.distributions.independent import Independent
from rechain.distributions.laplace import Laplace
from rechain.distributions.log_normal import LogNormal
from rechain.distributions.multivariate_normal import MultivariateNormal
from rechain.distributions.normal import Normal
from rechain.distributions.one_hot_categorical import OneHotCategorical
from rechain.distributions.pareto import Pareto
from rechain.distributions.poisson import Geometric, Poisson
from rechain.distributions.uniform import Uniform

__all__ = ["Bernoulli", "Beta", "Categorical", "Cauchy", "Chisquare", "Dirichlet",
           "Distribution", "Exponential", "Gamma", "Geometric", "Gumbel", "Independent",
           "Laplace", "LogNormal", "MultivariateNormal", "Normal", "OneHotCategorical",
           "Pareto", "Poisson", "Uniform", "bernoulli_log_prob", "cross_entropy",
           "kl_divergence", "register_kl"]

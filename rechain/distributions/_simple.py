"""What the elementwise distributions share: checked parameters, batch shape, draws.

An elementwise distribution has scalar events (``event_shape == ()``) and a
batch shape that is the broadcast shape of its parameters. Draws that are
not reparameterized (gamma, beta, Poisson ...) are made by NumPy's
generators on the host from the framework stream (``rechain.random``) and
moved to the parameters' device, so they are the same on every backend.
"""

import numpy

from rechain import backend
from rechain import random as _random
from rechain import variable
from rechain.distributions import _params
from rechain.distributions import distribution


class Elementwise(distribution.Distribution):
    """Base of distributions with scalar events over a broadcast batch."""

    _param_names = ()

    def _init_params(self, **values):
        name = type(self).__name__
        named = [(k, _params.as_param(values[k], name, k)) for k in self._param_names]
        _params.check_dtypes(name, named)
        self._batch_shape = _params.batch_shape(name, named)
        for k, v in named:
            self.__dict__["_" + k] = v

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return ()

    @property
    def params(self):
        return {k: getattr(self, k) for k in self._param_names}

    @property
    def dtype(self):
        return self.__dict__["_" + self._param_names[0]].dtype

    def _expand(self, v):
        return _params.expand(v, self._batch_shape)

    def _full(self, value):
        """A constant Variable of the batch shape filled with ``value``."""
        return variable.Variable(self.xp.full(self._batch_shape, value, dtype=self.dtype),
                                 requires_grad=False)

    def prob(self, x):
        from rechain.functions.math.exponential import exp
        return exp(self.log_prob(x))

    # -- draws -----------------------------------------------------------------------
    def _shape(self, n):
        return (int(n),) + tuple(self._batch_shape)

    def _uniform(self, n, low=0.0):
        """Base draws in the open interval (0, 1) (or ``(low, 1)``) of the parameters'
        dtype, as a constant array on their device."""
        gen = _random.get_generator(numpy)
        u = gen.random(self._shape(n))
        tiny = numpy.finfo(self.dtype).tiny
        u = numpy.clip(u, max(low, tiny), 1 - numpy.finfo(self.dtype).epsneg)
        return self._to_device(u.astype(self.dtype))

    def _standard_normal(self, n):
        gen = _random.get_generator(numpy)
        return self._to_device(gen.standard_normal(self._shape(n)).astype(self.dtype))

    def _host_params(self, *names):
        out = []
        for k in names:
            a = backend.to_cpu(getattr(self, k).array).astype(numpy.float64)
            out.append(numpy.broadcast_to(a, self._batch_shape))
        return out

    def _draw(self, n, method, *names):
        """``n`` draws of NumPy's ``Generator.<method>(*params)``, as a constant Variable."""
        gen = _random.get_generator(numpy)
        params = self._host_params(*names)
        draws = getattr(gen, method)(*params, size=self._shape(n))
        return variable.Variable(self._to_device(numpy.asarray(draws).astype(self.dtype)),
                                 requires_grad=False)

    def _to_device(self, a):
        xp = self.xp
        return a if xp is numpy else xp.asarray(a)




def kl_expand(v, p, q):
    """A KL value broadcast to the common batch shape of ``p`` and ``q``."""
    return _params.expand(v, tuple(numpy.broadcast_shapes(p.batch_shape, q.batch_shape)))

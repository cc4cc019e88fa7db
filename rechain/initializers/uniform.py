"""Initializers drawing from uniform distributions."""

import math

from rechain.initializers import base


class Uniform(base.Initializer):
    """Draws from U[-scale, scale).

    Example:
        >>> W = initializers.generate_array(Uniform(0.1), (4, 3), numpy)
    """

    def __init__(self, scale=0.05, dtype=None, rng=None):
        super().__init__(dtype)
        self.scale = scale
        self.rng = rng

    def __call__(self, array):
        base.check_float(type(self).__name__, array)
        base.fill_uniform(array, -self.scale, self.scale, self.rng)


class _FanUniform(base.Initializer):
    """U[-s, s) with s = scale * sqrt(factor / fan)."""

    _factor = 3.0

    def __init__(self, scale=1.0, dtype=None, rng=None):
        super().__init__(dtype)
        self.scale = scale
        self.rng = rng

    def _fan(self, shape):
        return base.get_fans(shape)[0]

    def __call__(self, array):
        base.check_float(type(self).__name__, array)
        if array.size == 0:
            return
        s = self.scale * math.sqrt(self._factor / self._fan(array.shape))
        base.fill_uniform(array, -s, s, self.rng)


class LeCunUniform(_FanUniform):
    """Draws from U[-s, s) with s = scale * sqrt(3 / fan_in).

    Example:
        >>> W = initializers.generate_array(LeCunUniform(), (4, 3), numpy)
    """


class GlorotUniform(_FanUniform):
    """Draws from U[-s, s) with s = scale * sqrt(6 / (fan_in + fan_out)).

    Example:
        >>> W = initializers.generate_array(GlorotUniform(), (4, 3), numpy)
    """

    _factor = 6.0

    def _fan(self, shape):
        fan_in, fan_out = base.get_fans(shape)
        return fan_in + fan_out


class HeUniform(_FanUniform):
    """Draws from U[-s, s) with s = scale * sqrt(6 / fan_in).

    Example:
        >>> W = initializers.generate_array(HeUniform(), (16, 3, 3, 3), numpy)
    """

    _factor = 6.0

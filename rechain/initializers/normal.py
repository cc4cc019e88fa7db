"""Initializers drawing from normal distributions."""

import math

from rechain.initializers import base


class Normal(base.Initializer):
    """Draws from N(0, scale²).

    Args:
        scale (float): Standard deviation.
        dtype: dtype of generated arrays (see :class:`Initializer`).
        rng: Optional generator with ``standard_normal(size=...)``; default
            is the framework stream.

    Example:
        >>> W = initializers.generate_array(Normal(0.01), (4, 3), numpy)
    """

    def __init__(self, scale=0.05, dtype=None, rng=None):
        super().__init__(dtype)
        self.scale = scale
        self.rng = rng

    def __call__(self, array):
        base.check_float(type(self).__name__, array)
        base.fill_normal(array, self.scale, self.rng)


class _FanNormal(base.Initializer):
    """N(0, std²) with std = scale * sqrt(factor / fan) for a fan of the shape."""

    _factor = 1.0

    def __init__(self, scale=1.0, dtype=None, rng=None):
        super().__init__(dtype)
        self.scale = scale
        self.rng = rng

    def _fan(self, shape):
        return base.get_fans(shape)[0]

    def __call__(self, array):
        name = type(self).__name__
        base.check_float(name, array)
        if array.size == 0:
            return
        fan = self._fan(array.shape)
        std = self.scale * math.sqrt(self._factor / fan)
        base.fill_normal(array, std, self.rng)


class LeCunNormal(_FanNormal):
    """Draws from N(0, scale² / fan_in) (LeCun et al. 1998).

    ``fan_in`` is ``shape[1] * prod(shape[2:])``.

    Example:
        >>> W = initializers.generate_array(LeCunNormal(), (4, 3), numpy)
    """


class GlorotNormal(_FanNormal):
    """Draws from N(0, 2 scale² / (fan_in + fan_out)) (Glorot & Bengio 2010).

    Example:
        >>> W = initializers.generate_array(GlorotNormal(), (4, 3), numpy)
    """

    _factor = 2.0

    def _fan(self, shape):
        fan_in, fan_out = base.get_fans(shape)
        return fan_in + fan_out


class HeNormal(_FanNormal):
    """Draws from N(0, 2 scale² / fan) (He et al. 2015).

    Args:
        scale (float): Multiplier of the standard deviation.
        dtype: dtype of generated arrays.
        fan_option (str): ``'fan_in'`` or ``'fan_out'``.
        rng: Optional generator.

    Example:
        >>> W = initializers.generate_array(HeNormal(), (16, 3, 3, 3), numpy)
    """

    _factor = 2.0

    def __init__(self, scale=1.0, dtype=None, fan_option="fan_in", rng=None):
        if fan_option not in ("fan_in", "fan_out"):
            raise ValueError(f"HeNormal: fan_option must be 'fan_in' or 'fan_out', "
                             f"got {fan_option!r}")
        super().__init__(scale, dtype, rng)
        self.fan_option = fan_option

    def _fan(self, shape):
        fan_in, fan_out = base.get_fans(shape)
        return fan_in if self.fan_option == "fan_in" else fan_out

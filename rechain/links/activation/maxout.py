"""Maxout: a fully-connected layer followed by a maximum over pools of units."""

import numpy

from rechain import initializers
from rechain.functions.activation.maxout import maxout as _maxout
from rechain.links import link as _link
from rechain.links.connection.linear import Linear


class Maxout(_link.Chain):
    """Fully-connected maxout layer: ``y_i = max_j (W_ij . x + b_ij)``.

    Holds one :class:`~rechain.links.Linear` of ``out_size * pool_size``
    units; ``W`` is ``(out_size, pool_size, in_size)`` viewed as
    ``(out_size * pool_size, in_size)``.

    Args:
        in_size (int or None): Input size (None: inferred from the first input).
        out_size (int): Number of output units.
        pool_size (int): Number of linear units each output is the maximum of.
        initialW: Initializer, scalar, or array of shape
            ``(out_size, pool_size, in_size)``.
        initial_bias: Initializer, scalar, or array of shape
            ``(out_size, pool_size)``; None: no bias.

    Attributes:
        linear (Linear): The affine map.

    Example:
        >>> m = L.Maxout(4, 3, 2)
        >>> m(numpy.ones((5, 4), numpy.float32)).shape
        (5, 3)
    """

    def __init__(self, in_size, out_size, pool_size, initialW=None, initial_bias=0):
        super().__init__()
        for n, v in (("out_size", out_size), ("pool_size", pool_size)):
            if isinstance(v, bool) or not isinstance(v, (int, numpy.integer)) or v <= 0:
                raise ValueError(f"Maxout: {n} must be a positive int, got {v!r}")
        self.out_size = int(out_size)
        self.pool_size = int(pool_size)
        n = self.out_size * self.pool_size
        if isinstance(initialW, numpy.ndarray) and initialW.ndim != 3:
            raise ValueError(f"Maxout: initialW must have 3 dimensions (out_size, "
                             f"pool_size, in_size), got shape {initialW.shape}")
        if isinstance(initialW, numpy.ndarray):
            w_shape = initialW.shape
            if w_shape[:2] != (self.out_size, self.pool_size) or \
                    in_size is not None and w_shape[2] != in_size:
                raise ValueError(f"Maxout: initialW must have shape ({out_size}, {pool_size}, "
                                 f"{in_size}), got {w_shape}")
            initialW = initialW.reshape(n, w_shape[2])
        elif callable(initialW):
            # As in Chainer, an initializer sees W as (out_size, pool_size, in_size).
            initialW = _PooledInit(initialW, self.out_size, self.pool_size)
        if isinstance(initial_bias, numpy.ndarray):
            if initial_bias.shape != (self.out_size, self.pool_size):
                raise ValueError(f"Maxout: initial_bias must have shape ({out_size}, "
                                 f"{pool_size}), got {initial_bias.shape}")
            initial_bias = initial_bias.reshape(n)
        elif callable(initial_bias):
            initial_bias = _PooledInit(initial_bias, self.out_size, self.pool_size)
        with self.init_scope():
            self.linear = Linear(in_size, n, nobias=initial_bias is None,
                                 initialW=initialW, initial_bias=initial_bias)

    def forward(self, x):
        """Apply the affine map, then the maximum over each pool."""
        return _maxout(self.linear(x), self.pool_size)


class _PooledInit(initializers.Initializer):
    """Runs ``init`` on the pooled view (out, pool, ...) of a flat parameter."""

    def __init__(self, init, out_size, pool_size):
        super().__init__(getattr(init, "dtype", None))
        self.init = init
        self.out_size = out_size
        self.pool_size = pool_size

    def __call__(self, array):
        view = array.reshape((self.out_size, self.pool_size) + tuple(array.shape[1:]))
        self.init(view)

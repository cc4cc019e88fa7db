"""The orthogonal initializer (Saxe et al. 2014)."""

import numpy

from rechain import backend
from rechain.initializers import base


class Orthogonal(base.Initializer):
    """Fills with a scaled (semi-)orthogonal matrix.

    The array is viewed as a matrix of ``shape[0]`` rows and
    ``prod(shape[1:])`` columns; its rows are orthonormal when there are no
    more rows than columns, its columns otherwise, then it is multiplied by
    ``scale``. The random matrix is drawn from the framework stream.

    Example:
        >>> W = initializers.generate_array(Orthogonal(), (4, 6), numpy)
    """

    def __init__(self, scale=1.1, dtype=None, rng=None):
        super().__init__(dtype)
        self.scale = scale
        self.rng = rng

    def __call__(self, array):
        base.check_float("Orthogonal", array)
        if array.ndim == 0:
            raise ValueError("Orthogonal: cannot fill a 0-d array")
        if array.size == 0:
            return
        rows = array.shape[0]
        cols = array.size // rows
        a = numpy.empty((rows, cols), dtype=numpy.float64)
        base.fill_normal(a, 1.0, self.rng)
        flip = rows < cols
        q, r = numpy.linalg.qr(a.T if flip else a)
        q = q * numpy.sign(numpy.diag(r))  # make the factorisation unique
        if flip:
            q = q.T
        xp = backend.get_array_module(array)
        array[...] = xp.asarray(q.reshape(array.shape) * self.scale)

"""``generate_matrix``: random matrices with given singular values."""

import numpy


def generate_matrix(shape, dtype=float, *, singular_values=None):
    """A random array of ``shape`` ``(..., M, N)`` whose matrices have these singular values.

    For well-conditioned inputs to linear algebra tests. ``singular_values``
    (non-negative, real) broadcasts to ``(..., min(M, N))``; ``dtype`` is real
    or complex. Draws from NumPy's global generator.
    """
    if len(shape) < 2:
        raise ValueError(f"generate_matrix: shape {shape} has too few axes for matrices")
    dtype = numpy.dtype(dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"generate_matrix: dtype {dtype} is not supported (float or complex)")
    if singular_values is None:
        raise TypeError("generate_matrix: singular_values is not given")
    sv = numpy.asarray(singular_values)
    if not numpy.isrealobj(sv):
        raise TypeError("generate_matrix: singular_values must be real")
    if (sv < 0).any():
        raise ValueError("generate_matrix: singular values must be non-negative")
    k_shape = tuple(shape[:-2]) + (min(shape[-2:]),)
    sv = numpy.broadcast_to(sv, k_shape)
    if 0 in shape:
        return numpy.empty(shape, dtype=dtype)
    a = numpy.random.randn(*shape)
    if dtype.kind == "c":
        a = a + 1j * numpy.random.randn(*shape)
    u, _, vh = numpy.linalg.svd(a, full_matrices=False)
    return numpy.einsum("...ik,...k,...kj->...ij", u, sv, vh).astype(dtype)

"""Mathematical functions."""

from rechain.functions.math.average import average
from rechain.functions.math.basic_math import absolute
from rechain.functions.math.clip import clip
from rechain.functions.math.cumsum import cumsum
from rechain.functions.math.erf import erf, erfc, erfcinv, erfcx, erfinv
from rechain.functions.math.exponential import exp, expm1, log, log1p, log2, log10
from rechain.functions.math.fmod import fmod
from rechain.functions.math.gamma import digamma, lgamma, polygamma, zeta
from rechain.functions.math.matmul import batch_matmul, matmul
from rechain.functions.math.logsumexp import logsumexp
from rechain.functions.math.ndtr import log_ndtr, ndtr, ndtri
from rechain.functions.math.minmax import argmax, argmin, max, maximum, min, minimum
from rechain.functions.math.prod import cumprod, prod
from rechain.functions.math.sqrt import rsqrt, sqrt
from rechain.functions.math.square import square
from rechain.functions.math.sum import mean, sum
from rechain.functions.math.trigonometric import cos, sin, tan
from rechain.functions.math.bias import bias
from rechain.functions.math.scale import scale

__all__ = ["absolute", "argmax", "argmin", "batch_matmul", "bias", "clip", "cos", "cumsum",
           "exp", "expm1", "fmod", "log", "log10", "log1p", "log2", "matmul", "max",
           "maximum", "mean", "min", "minimum", "rsqrt", "scale", "sin", "sqrt", "square",
           "sum", "tan"]

# Special functions (erf.py, ndtr.py, gamma.py).
__all__ += ["digamma", "erf", "erfc", "erfcinv", "erfcx", "erfinv", "lgamma", "log_ndtr",
            "ndtr", "ndtri", "polygamma", "zeta"]

# Reductions (average.py, logsumexp.py, prod.py).
__all__ += ["average", "cumprod", "logsumexp", "prod"]

# Inverse trigonometric and hyperbolic functions, rounding.
from rechain.functions.math.hyperbolic import arctanh, cosh, sinh  # noqa: E402
from rechain.functions.math.inverse_trigonometric import (  # noqa: E402
    arccos, arcsin, arctan, arctan2)
from rechain.functions.math.rounding import ceil, fix, floor, sign  # noqa: E402

__all__ += ["arccos", "arcsin", "arctan", "arctan2", "arctanh", "ceil", "cosh", "fix",
            "floor", "sign", "sinh"]

# n-ary add, identity, elementwise differences, batch norms.
from rechain.functions.math.batch_l2_norm_squared import batch_l2_norm_squared  # noqa: E402
from rechain.functions.math.difference import (  # noqa: E402
    absolute_error, squared_difference, squared_error)
from rechain.functions.math import identity as _identity  # noqa: E402,F401  (the module)
from rechain.functions.math.multi_add import add  # noqa: E402

__all__ += ["absolute_error", "add", "batch_l2_norm_squared",
            "squared_difference", "squared_error"]

# Linear algebra (det.py, inv.py, cholesky.py, diagonal.py).
from rechain.functions.math.cholesky import cholesky  # noqa: E402
from rechain.functions.math.det import batch_det, det  # noqa: E402
from rechain.functions.math.diagonal import diagonal  # noqa: E402
from rechain.functions.math.inv import batch_inv, inv  # noqa: E402

__all__ += ["batch_det", "batch_inv", "cholesky", "det", "diagonal", "inv"]

# Tensor products and interpolation (einsum.py is left as the module, as in Chainer).
from rechain.functions.math import einsum as _einsum_module  # noqa: E402,F401
from rechain.functions.math.linear_interpolate import linear_interpolate  # noqa: E402
from rechain.functions.math.tensordot import tensordot  # noqa: E402

__all__ += ["linear_interpolate", "tensordot"]  # F.einsum: see rechain/functions/__init__.py

# Sparse (COO) times dense; F.sparse_matmul is imported in rechain/functions/__init__.py
# so that rechain.functions.math.sparse_matmul stays the module (as in Chainer).
from rechain.functions.math import sparse_matmul as _sparse_matmul_module  # noqa: E402,F401

# Fourier transforms.
from rechain.functions.math.fft import fft, ifft  # noqa: E402

__all__ += ["fft", "ifft"]

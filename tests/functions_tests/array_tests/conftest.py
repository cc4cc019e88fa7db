"""Shared checks for the array-function tests."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

FLOATS = (numpy.float32, numpy.float64)
_TOL = {numpy.dtype(numpy.float32): dict(atol=1e-2, rtol=1e-2),
        numpy.dtype(numpy.float64): dict(atol=1e-5, rtol=1e-4)}


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _check_grads(func, xs, seed=0):
    """First- and second-order gradient checks of ``func`` at ``xs``.

    Output gradients and gradients-of-gradients are random; tolerances follow
    the dtype of the first floating input (the numerical side is float64).
    """
    xs = _as_tuple(xs)
    # Workaround: gradient_check perturbs ``x + t * d``, which is a NumPy
    # scalar (not an array) when x is 0-d, for the inputs and, in
    # check_double_backward, for the output gradients. So 0-d inputs are fed
    # as shape (1,) and reshaped to 0-d before the function under test, and
    # 0-d outputs are returned as shape (1,).
    zero_d = [x.ndim == 0 for x in xs]
    inner = func

    def func(*vs):
        ys = inner(*[F.reshape(v, ()) if z else v for v, z in zip(vs, zero_d)])
        ys = tuple(F.reshape(y, (1,)) if y.ndim == 0 else y for y in _as_tuple(ys))
        return ys if len(ys) > 1 else ys[0]
    xs = tuple(x.reshape(1) if z else x for x, z in zip(xs, zero_d))
    rng = numpy.random.default_rng(seed)
    floats = [x for x in xs if x.dtype.kind == "f"]
    tol = _TOL[floats[0].dtype]
    ys = _as_tuple(func(*[rechain.Variable(x.copy()) for x in xs]))
    gys = tuple(rng.standard_normal(y.shape).astype(y.dtype) for y in ys)
    ggxs = tuple(rng.standard_normal(x.shape).astype(x.dtype) for x in floats)
    gradient_check.check_backward(func, xs, gys, seed=seed, **tol)
    gradient_check.check_double_backward(func, xs, gys, ggxs, seed=seed, **tol)


@pytest.fixture
def check_grads():
    """``check_grads(func, xs)``: check_backward and check_double_backward."""
    return _check_grads


@pytest.fixture(params=FLOATS, ids=["float32", "float64"])
def dtype(request):
    """Each test taking ``dtype`` runs in float32 and float64."""
    return numpy.dtype(request.param)


@pytest.fixture
def rng():
    return numpy.random.default_rng(0)

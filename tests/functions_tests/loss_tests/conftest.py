"""Shared checks for the loss-function tests (the array tests' pattern).

``check_grads(func, xs)`` runs check_backward and check_double_backward with
random output and grad-grad weights; integer inputs (labels) are not
differentiated. 0-d outputs are lifted to shape (1,) because gradient_check
perturbs ``x + t * d``, a NumPy scalar for 0-d arrays.
"""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

_TOL = {numpy.dtype(numpy.float32): dict(atol=1e-2, rtol=1e-2),
        numpy.dtype(numpy.float64): dict(atol=1e-5, rtol=1e-4)}


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _check_grads(func, xs, seed=0, double=True, eps=1e-3, tol=None):
    xs = _as_tuple(xs)
    inner = func

    def func(*vs):
        ys = tuple(F.reshape(y, (1,)) if y.ndim == 0 else y for y in _as_tuple(inner(*vs)))
        return ys if len(ys) > 1 else ys[0]
    rng = numpy.random.default_rng([seed, 7919])
    floats = [x for x in xs if x.dtype.kind == "f"]
    tol = tol or _TOL[floats[0].dtype]
    ys = _as_tuple(func(*[rechain.Variable(x.copy()) for x in xs]))
    gys = tuple(rng.standard_normal(y.shape).astype(y.dtype) for y in ys)
    gradient_check.check_backward(func, xs, gys, eps=eps, seed=seed, **tol)
    if double:
        ggxs = tuple(rng.standard_normal(x.shape).astype(x.dtype) for x in floats)
        gradient_check.check_double_backward(func, xs, gys, ggxs, eps=eps, seed=seed, **tol)


def _forget_matches_plain(func, xs, seed=0):
    """``func`` under F.forget gives the plain run's outputs and input gradients, bitwise.

    Both runs start from ``rechain.random.seed(seed)``, so random functions
    draw the same noise in each (and the forget run replays it in backward).
    """
    xs = _as_tuple(xs)
    out = []
    for use in (False, True):
        rechain.random.seed(seed)
        vs = [rechain.Variable(x.copy()) if x.dtype.kind == "f" else x for x in xs]
        f = lambda *a: F.tanh(_as_tuple(func(*a))[0])  # noqa: E731
        y = F.forget(f, *vs) if use else f(*vs)
        F.sum(y * y).backward()
        out.append([y.array] + [v.grad for v in vs if isinstance(v, rechain.Variable)])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)
    return out[0]


@pytest.fixture
def check_grads():
    return _check_grads


@pytest.fixture
def forget_matches_plain():
    return _forget_matches_plain

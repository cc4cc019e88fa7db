"""Shared checks of the connection tests (the math tests' pattern, as fixtures).

``grads(func, xs, dtype)``: first- and second-order numerical gradient checks
with random output and grad-grad weights; integer inputs are passed through
and not differentiated. ``forget_matches_plain(func, xs)``: ``func`` under
``F.forget`` gives the plain run's output and input gradients bitwise.
"""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

TOL = {numpy.dtype(numpy.float64): (dict(atol=1e-5, rtol=1e-4), dict(atol=1e-4, rtol=1e-3)),
       numpy.dtype(numpy.float32): (dict(atol=1e-2, rtol=1e-2), dict(atol=1e-2, rtol=1e-2))}


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def check_grads(func, xs, dtype=numpy.float64, seed=0, double=True, eps=1e-3, tol=None):
    rng = numpy.random.default_rng([seed, 7919])
    xs = tuple(numpy.asarray(x).astype(dtype) if numpy.asarray(x).dtype.kind == "f"
               else numpy.asarray(x) for x in _as_tuple(xs))
    ys = _as_tuple(func(*[rechain.Variable(x.copy()) if x.dtype.kind == "f" else x
                          for x in xs]))
    gys = tuple(rng.standard_normal(y.shape).astype(y.dtype) for y in ys)
    first, second = (tol, tol) if tol else TOL[numpy.dtype(dtype)]
    gradient_check.check_backward(func, xs, gys, eps=eps, seed=seed, **first)
    if double:
        ggxs = tuple(rng.standard_normal(x.shape).astype(x.dtype) for x in xs
                     if x.dtype.kind == "f")
        gradient_check.check_double_backward(func, xs, gys, ggxs, eps=eps, seed=seed,
                                             **second)


def forget_matches_plain(func, xs):
    xs = _as_tuple(xs)
    out = []
    for use in (False, True):
        vs = [rechain.Variable(x.copy()) if x.dtype.kind == "f" else x for x in xs]
        f = lambda *a: F.tanh(_as_tuple(func(*a))[0])  # noqa: E731
        y = F.forget(f, *vs) if use else f(*vs)
        F.sum(y * y).backward()
        out.append([y.array] + [v.grad for v in vs if isinstance(v, rechain.Variable)])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)
    return out[0]


@pytest.fixture
def grads():
    return check_grads


@pytest.fixture
def forget_matches_plain_fx():
    return forget_matches_plain


@pytest.fixture
def rng():
    return numpy.random.default_rng(1234)

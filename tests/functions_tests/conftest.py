"""Shared gradient checks of the function tests, as fixtures.

Subdirectories with a conftest of their own (math, array, activation) keep
theirs; a fixture of the same name there takes precedence.

- ``grads(func, xs, dtype)``: first- and second-order numerical gradient
  checks with random output and grad-grad weights; integer inputs are passed
  through and not differentiated. ``forget_matches_plain_fx(func, xs)``:
  ``func`` under ``F.forget`` gives the plain run's first output and input
  gradients bitwise. ``rng``: a fixed generator. (Connection, pooling and
  normalization tests.)
- ``check_grads(func, xs)`` does the same checks with 0-d outputs lifted to
  shape (1,), and ``forget_matches_plain(func, xs)`` compares every output
  (loss and noise tests).
"""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

TOL = {numpy.dtype(numpy.float64): (dict(atol=1e-5, rtol=1e-4), dict(atol=1e-4, rtol=1e-3)),
       numpy.dtype(numpy.float32): (dict(atol=1e-2, rtol=1e-2), dict(atol=1e-2, rtol=1e-2))}
_TOL = {numpy.dtype(numpy.float32): dict(atol=1e-2, rtol=1e-2),
        numpy.dtype(numpy.float64): dict(atol=1e-5, rtol=1e-4)}


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _grads(func, xs, dtype=numpy.float64, seed=0, double=True, eps=1e-3, tol=None):
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


def _forget_matches_plain_first_output(func, xs):
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
    return _grads


@pytest.fixture
def forget_matches_plain_fx():
    return _forget_matches_plain_first_output


@pytest.fixture
def rng():
    return numpy.random.default_rng(1234)


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

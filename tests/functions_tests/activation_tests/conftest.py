"""Shared helpers of the activation tests (exposed as fixtures)."""

import numpy
import pytest

from rechain import gradient_check

TOL = {
    numpy.float64: (dict(atol=1e-5, rtol=1e-4), dict(atol=1e-4, rtol=1e-3)),
    numpy.float32: (dict(atol=1e-2, rtol=1e-2), dict(atol=1e-2, rtol=1e-2)),
}


def check_grads(func, xs, dtype, seed=0, double=True, eps=1e-3):
    """First- (and second-) order gradient check of ``func`` at ``xs`` (cast to
    ``dtype``), with random output and grad-grad weights."""
    rng = numpy.random.default_rng([seed, 104729])
    xs = tuple(numpy.asarray(x).astype(dtype) for x in xs)
    ys = func(*xs)
    ys = ys if isinstance(ys, tuple) else (ys,)
    gys = tuple(rng.normal(size=y.shape).astype(y.dtype) for y in ys)
    first, second = TOL[numpy.dtype(dtype).type]
    gradient_check.check_backward(func, xs, gys, eps=eps, seed=seed, **first)
    if double:
        ggxs = tuple(rng.normal(size=x.shape).astype(dtype) for x in xs)
        gradient_check.check_double_backward(func, xs, gys, ggxs, eps=eps, seed=seed,
                                             **second)


@pytest.fixture
def grads():
    """``grads(func, xs, dtype, ...)``: gradient check of order one and two."""
    return check_grads


@pytest.fixture
def rng():
    return numpy.random.default_rng(4321)


def forget_matches_plain(f, *arrays):
    """Outputs and input gradients of ``F.forget(f, ...)`` equal the plain run's."""
    import rechain
    import rechain.functions as F
    out = []
    for use in (False, True):
        xs = [rechain.Variable(a.copy()) for a in arrays]
        y = F.forget(f, *xs) if use else f(*xs)
        F.sum(y * y).backward()
        out.append([y.array] + [x.grad for x in xs])
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


@pytest.fixture
def forget_check():
    return forget_matches_plain

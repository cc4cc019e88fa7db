"""Shared helpers of the math function tests (exposed as fixtures)."""

import numpy
import pytest

import rechain
from rechain import gradient_check

# Tolerances of the first- and second-order checks per input dtype. The
# numerical side always runs in float64; float32 inputs make the analytical
# side float32, hence the looser bounds.
TOL = {
    numpy.float64: (dict(atol=1e-5, rtol=1e-4), dict(atol=1e-4, rtol=1e-3)),
    numpy.float32: (dict(atol=1e-2, rtol=1e-2), dict(atol=1e-2, rtol=1e-2)),
}


def _normal(rng, shape, dtype):
    return numpy.asarray(rng.normal(size=shape)).astype(dtype)


def check_grads(func, xs, dtype, seed=0, double=True, eps=1e-3):
    """First- (and second-) order gradient check of ``func`` at ``xs``.

    ``xs`` are cast to ``dtype``; output and grad-grad weights are random.
    """
    # A stream of its own: gradient_check draws its direction from ``seed``, and
    # a direction equal to the output weights hides transposed gradients.
    rng = numpy.random.default_rng([seed, 7919])
    xs = tuple(numpy.asarray(x).astype(dtype) for x in xs)
    ys = func(*[rechain.Variable(x.copy()) for x in xs])
    ys = ys if isinstance(ys, tuple) else (ys,)
    gys = tuple(_normal(rng, y.shape, y.dtype) for y in ys)
    first, second = TOL[numpy.dtype(dtype).type]
    gradient_check.check_backward(func, xs, gys, eps=eps, seed=seed, **first)
    if double:
        ggxs = tuple(_normal(rng, x.shape, dtype) for x in xs)
        gradient_check.check_double_backward(func, xs, gys, ggxs, eps=eps, seed=seed,
                                             **second)


@pytest.fixture
def grads():
    """``grads(func, xs, dtype, ...)``: gradient check of order one and two."""
    return check_grads


@pytest.fixture
def rng():
    return numpy.random.default_rng(1234)

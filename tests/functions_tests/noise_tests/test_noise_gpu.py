"""The new noise functions on CuPy arrays (run where a GPU is present)."""

import numpy
import pytest

import rechain
import rechain.functions as F

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize("name", ["gaussian", "gumbel_softmax", "zoneout",
                                  "simplified_dropconnect"])
def test_cupy_draws_are_reproducible_and_differentiable(name):
    cp = rechain.backend.cupy
    a = cp.asarray(numpy.random.default_rng(0).normal(size=(4, 3)).astype(numpy.float32))
    fns = {"gaussian": lambda x: F.gaussian(x, x * 0.1),
           "gumbel_softmax": lambda x: F.gumbel_softmax(x, tau=0.5),
           "zoneout": lambda x: F.zoneout(x, x * 2),
           "simplified_dropconnect": lambda x: F.simplified_dropconnect(x, x[:2] * 1)}
    outs = []
    for _ in range(2):
        rechain.random.seed(3)
        x = rechain.Variable(a.copy())
        y = fns[name](x)
        F.sum(y * y).backward()
        assert isinstance(y.array, cp.ndarray)
        outs.append((cp.asnumpy(y.array), cp.asnumpy(x.grad)))
    for u, v in zip(*outs):
        numpy.testing.assert_array_equal(u, v)
        assert numpy.isfinite(u).all()

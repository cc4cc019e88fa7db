import numpy
import pytest

import rechain.functions as F
import rechain.links as L


def test_forward_and_parameters():
    rng = numpy.random.default_rng(0)
    bl = L.Bilinear(3, 2, 4)
    assert bl.W.shape == (3, 2, 4) and bl.V1.shape == (3, 4) and bl.V2.shape == (2, 4)
    numpy.testing.assert_array_equal(bl.b.array, 0)
    e1 = rng.uniform(-1, 1, (5, 3)).astype(numpy.float32)
    e2 = rng.uniform(-1, 1, (5, 2)).astype(numpy.float32)
    y = bl(e1, e2)
    numpy.testing.assert_allclose(
        y.array, F.bilinear(e1, e2, bl.W.array, bl.V1.array, bl.V2.array, bl.b.array).array)
    F.sum(y * y).backward()
    assert bl.W.grad.shape == (3, 2, 4) and bl.V1.grad.shape == (3, 4)
    with pytest.warns(DeprecationWarning):
        bl.zero_grads()
    numpy.testing.assert_array_equal(bl.W.grad, 0)


def test_nobias_and_initializers():
    bl = L.Bilinear(2, 2, 3, nobias=True, initialW=0.5)
    assert not hasattr(bl, "V1") and not hasattr(bl, "b")
    y = bl(numpy.ones((1, 2), numpy.float32), numpy.ones((1, 2), numpy.float32))
    numpy.testing.assert_allclose(y.array, [[2.0, 2.0, 2.0]])
    bl2 = L.Bilinear(2, 2, 3, initial_bias=(1.0, 2.0, 3.0))
    numpy.testing.assert_array_equal(bl2.V2.array, 2.0)
    numpy.testing.assert_array_equal(bl2.b.array, 3.0)
    with pytest.raises(ValueError, match="Bilinear: initial_bias must be None or a tuple"):
        L.Bilinear(2, 2, 3, initial_bias=1.0)

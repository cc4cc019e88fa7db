import numpy
import pytest

import rechain.functions as F
from rechain.links.normalization.layer_normalization import LayerNormalization
from rechain.utils.type_check import InvalidType


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(dtype):
    ln = LayerNormalization(4, initial_gamma=2.0, initial_beta=-1.0)
    ln.gamma.array = ln.gamma.array.astype(dtype)
    ln.beta.array = ln.beta.array.astype(dtype)
    x = (numpy.random.rand(3, 4) * 5).astype(dtype)
    y = ln(x)
    ref = 2 * (x - x.mean(1, keepdims=True)) / numpy.sqrt(x.var(1, keepdims=True) + 1e-6) - 1
    numpy.testing.assert_allclose(y.array, ref, rtol=1e-4, atol=1e-5)
    F.sum(y * y).backward()
    assert ln.gamma.grad.shape == (4,) and ln.beta.grad.shape == (4,)


def test_lazy_size():
    ln = LayerNormalization()
    ln(numpy.random.rand(2, 7).astype(numpy.float32))
    assert ln.gamma.shape == (7,) and (ln.gamma.array == 1).all() and (ln.beta.array == 0).all()


def test_bad_inputs():
    ln = LayerNormalization(4)
    with pytest.raises(InvalidType, match=r"LayerNormalization.*\(2, 5\) has 5 features.*size=4"):
        ln(numpy.ones((2, 5), numpy.float32))
    with pytest.raises(InvalidType, match=r"2-d.*\(2, 2, 4\)"):
        ln(numpy.ones((2, 2, 4), numpy.float32))


def test_empty_batch():
    # Chainer's: a batch of no examples gives an empty output (no running
    # statistics to divide by the batch size)
    import rechain
    ln = LayerNormalization(3)
    x = rechain.Variable(numpy.zeros((0, 3), numpy.float32))
    y = ln(x)
    assert y.shape == (0, 3)
    F.sum(y).backward()
    assert x.grad.shape == (0, 3)
    numpy.testing.assert_array_equal(ln.gamma.grad, numpy.zeros(3, numpy.float32))

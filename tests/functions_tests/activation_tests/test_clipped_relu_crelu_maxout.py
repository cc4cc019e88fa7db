"""clipped_relu, relu6, crelu, maxout."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import Variable

DTYPES = [numpy.float32, numpy.float64]


def _avoid(rng, shape, kinks, lo=-3.0, hi=9.0, gap=0.05):
    """Uniform draws at least ``gap`` away from each kink."""
    x = rng.uniform(lo, hi, shape)
    for k in kinks:
        near = numpy.abs(x - k) < gap
        x[near] = k + numpy.where(x[near] >= k, gap, -gap) * 2
    return x


# ---------------------------------------------------------------- clipped_relu, relu6

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("z", [0.5, 6.0, 20.0])
def test_clipped_relu_forward(rng, z, dtype):
    x = rng.uniform(-30, 30, (4, 5)).astype(dtype)
    y = F.clipped_relu(x, z)
    assert y.dtype == dtype and y.shape == x.shape
    numpy.testing.assert_array_equal(y.array, numpy.minimum(numpy.maximum(x, 0), dtype(z)))


def test_relu6_is_clipped_relu_6(rng):
    x = rng.uniform(-10, 10, (3, 7))
    numpy.testing.assert_array_equal(F.relu6(x).array, numpy.clip(x, 0, 6))
    numpy.testing.assert_array_equal(F.relu6(x).array, F.clipped_relu(x, 6.0).array)


def test_clipped_relu_gradient_values():
    x = Variable(numpy.array([-1.0, 0.0, 0.5, 2.0, 3.0, 4.0]))
    F.sum(F.clipped_relu(x, 3.0)).backward()
    numpy.testing.assert_array_equal(x.grad, [0, 0, 1, 1, 0, 0])


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_clipped_relu_grads(rng, grads, dtype):
    grads(lambda a: F.clipped_relu(a, 4.0), (_avoid(rng, (3, 4), (0.0, 4.0), hi=6.0),), dtype)
    grads(F.relu6, (_avoid(rng, (3, 4), (0.0, 6.0)),), dtype)


def test_clipped_relu_forget(rng, forget_check):
    forget_check(lambda x: F.clipped_relu(x * 3.0, 2.0), _avoid(rng, (3, 4), (0.0, 2 / 3)))
    forget_check(lambda x: F.relu6(F.tanh(x) * 8.0), rng.normal(size=(3, 4)))


def test_clipped_relu_bad_input():
    with pytest.raises(TypeError, match="clipped_relu: z must be a float, not str"):
        F.clipped_relu(numpy.zeros(3), "1")
    with pytest.raises(ValueError, match="clipped_relu: z must be positive, got -1.0"):
        F.clipped_relu(numpy.zeros(3), -1.0)
    with pytest.raises(rechain.InvalidType, match="clipped_relu: x must have a floating"):
        F.clipped_relu(numpy.zeros(3, numpy.int32))
    with pytest.raises(rechain.InvalidType, match="relu6: x must have a floating"):
        F.relu6(numpy.zeros(3, numpy.int32))


# ---------------------------------------------------------------- crelu

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_crelu_forward(rng, axis, dtype):
    x = rng.normal(size=(2, 3, 4)).astype(dtype)
    y = F.crelu(x, axis)
    want = numpy.concatenate((numpy.maximum(x, 0), numpy.maximum(-x, 0)), axis=axis)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_array_equal(y.array, want)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
@pytest.mark.parametrize("axis", [1, 2])
def test_crelu_grads(rng, grads, axis, dtype):
    grads(lambda a: F.crelu(a, axis), (_avoid(rng, (2, 3, 2), (0.0,), -2, 2),), dtype)


def test_crelu_gradient_values():
    x = Variable(numpy.array([[-2.0, 3.0]]))
    y = F.crelu(x)
    y.grad = numpy.array([[1.0, 2.0, 10.0, 20.0]])
    y.backward()
    numpy.testing.assert_array_equal(x.grad, [[-10.0, 2.0]])


def test_crelu_forget(rng, forget_check):
    forget_check(lambda x: F.crelu(F.tanh(x), axis=0), _avoid(rng, (3, 4), (0.0,), -2, 2))


def test_crelu_bad_input():
    with pytest.raises(rechain.InvalidType, match=r"crelu: axis=2 is out of range for an "
                                                  r"input of shape \(2, 3\)"):
        F.crelu(numpy.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="crelu: axis must be an int, not float"):
        F.crelu(numpy.zeros((2, 3)), axis=1.0)
    with pytest.raises(rechain.InvalidType, match="crelu: x must have a floating"):
        F.crelu(numpy.zeros((2, 3), numpy.int64))


# ---------------------------------------------------------------- maxout

def _maxout_ref(x, k, axis):
    shape = x.shape[:axis] + (x.shape[axis] // k, k) + x.shape[axis + 1:]
    return x.reshape(shape).max(axis=axis + 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,axis", [(2, 1), (3, 1), (1, 1), (2, 0), (4, -1), (6, 2)])
def test_maxout_forward(rng, k, axis, dtype):
    x = rng.normal(size=(4, 6, 12)).astype(dtype)
    y = F.maxout(x, k, axis)
    want = _maxout_ref(x, k, axis % 3)
    assert y.dtype == dtype and y.shape == want.shape
    numpy.testing.assert_array_equal(y.array, want)


@pytest.mark.parametrize("dtype", [numpy.float64, numpy.float32])
def test_maxout_grads(rng, grads, dtype):
    # Distinct values a grid apart, so no perturbation changes the maxima.
    x = rng.permutation(24).reshape(2, 12).astype(numpy.float64) * 0.1
    grads(lambda a: F.maxout(a, 3), (x,), dtype)


def test_maxout_forget(rng, forget_check):
    forget_check(lambda x: F.maxout(x * 2.0, 2), rng.normal(size=(3, 4)))


def test_maxout_bad_input():
    x = numpy.zeros((2, 6))
    with pytest.raises(rechain.InvalidType, match=r"maxout: x.shape\[1\]=6 is not a multiple "
                                                  r"of pool_size=4 \(x shape \(2, 6\)\)"):
        F.maxout(x, 4)
    with pytest.raises(ValueError, match="maxout: pool_size must be positive, got 0"):
        F.maxout(x, 0)
    with pytest.raises(TypeError, match="maxout: pool_size must be an int, not float"):
        F.maxout(x, 2.0)
    with pytest.raises(rechain.InvalidType, match="maxout: axis=2 is out of range"):
        F.maxout(x, 2, axis=2)

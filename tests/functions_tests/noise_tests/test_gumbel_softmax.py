import numpy
import pytest

import rechain
import rechain.functions as F


def _softmax(z, axis):
    e = numpy.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [1, 0, -1])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward_is_softmax_of_perturbed_logits(axis, dtype):
    rng = numpy.random.default_rng(0)
    log_pi = rng.normal(size=(3, 4)).astype(dtype)
    rechain.random.seed(9)
    y = F.gumbel_softmax(log_pi, tau=0.7, axis=axis)
    assert y.dtype == dtype and y.shape == (3, 4)
    numpy.testing.assert_allclose(y.array.sum(axis=axis), 1, rtol=1e-5)
    # recover the noise from the same stream position and compare with the reference
    rechain.random.seed(9)
    from rechain.functions.noise.gumbel_softmax import _draw_gumbel
    g = _draw_gumbel(log_pi).astype(float)
    numpy.testing.assert_allclose(y.array, _softmax((log_pi + g) / 0.7, axis), rtol=1e-5)


def test_samples_follow_the_categorical_distribution():
    rechain.random.seed(1)
    p = numpy.array([0.5, 0.3, 0.2])
    log_pi = numpy.log(numpy.tile(p, (40000, 1)))
    y = F.gumbel_softmax(log_pi, tau=0.01).array
    freq = numpy.bincount(y.argmax(axis=1), minlength=3) / len(y)
    numpy.testing.assert_allclose(freq, p, atol=0.01)


def test_zero_d_gives_one():
    y = F.gumbel_softmax(numpy.array(0.3, numpy.float32))
    assert y.shape == () and float(y.array) == 1.0


def test_gradients(check_grads):
    log_pi = numpy.random.default_rng(2).normal(size=(2, 3))

    def f(lp):
        rechain.random.seed(4)  # the same noise at every evaluation
        return F.gumbel_softmax(lp, tau=2.0)
    check_grads(f, (log_pi,))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    log_pi = numpy.random.default_rng(3).normal(size=(2, 5))
    rechain.random.seed(6)
    forget_matches_plain(lambda lp: F.gumbel_softmax(lp, tau=1.0), (log_pi,))


def test_bad_input():
    with pytest.raises(rechain.InvalidType, match="gumbel_softmax: log_pi must have a floating"):
        F.gumbel_softmax(numpy.zeros((2, 3), numpy.int32))
    with pytest.raises(rechain.InvalidType, match=r"gumbel_softmax: axis=2 is out of range for "
                                                   r"log_pi of shape \(2, 3\)"):
        F.gumbel_softmax(numpy.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="gumbel_softmax: tau must be positive, got 0"):
        F.gumbel_softmax(numpy.zeros((2, 3)), tau=0)

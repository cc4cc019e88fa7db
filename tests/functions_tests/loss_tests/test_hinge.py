import numpy
import pytest

import rechain
import rechain.functions as F


def _ref(x, t, norm, reduce):
    s = numpy.ones_like(x)
    s[numpy.arange(len(t)), t] = -1
    loss = numpy.maximum(0, 1 + s * x)
    if norm == "L2":
        loss = loss ** 2
    return loss.sum() / len(t) if reduce == "mean" else loss


def _inputs(n, c, seed, dtype=numpy.float64):
    rng = numpy.random.default_rng(seed)
    x = rng.uniform(-2, 2, (n, c))
    # keep away from the hinges at +-1, where the gradient jumps
    x = numpy.where(abs(abs(x) - 1) < 0.1, x * 1.3, x).astype(dtype)
    return x, rng.integers(0, c, n)


@pytest.mark.parametrize("norm", ["L1", "L2"])
@pytest.mark.parametrize("reduce", ["mean", "no"])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(norm, reduce, dtype):
    x, t = _inputs(5, 4, 0, dtype)
    y = F.hinge(x, t, norm=norm, reduce=reduce)
    want = _ref(x.astype(numpy.float64), t, norm, reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(want)
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5)


@pytest.mark.parametrize("norm", ["L1", "L2"])
@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_gradients(check_grads, norm, reduce):
    x, t = _inputs(4, 3, 1)
    check_grads(lambda x: F.hinge(x, t, norm=norm, reduce=reduce), (x,))


def test_gradient_values_l1():
    x = rechain.Variable(numpy.array([[0.5, -0.5, -2.0]]))
    F.hinge(x, numpy.array([0])).backward()
    # true class: d/dx max(0, 1 - x) = -1; others: +1 inside the margin, 0 past it
    numpy.testing.assert_array_equal(x.grad, [[-1.0, 1.0, 0.0]])


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    x, t = _inputs(4, 3, 2)
    forget_matches_plain(lambda x, t: F.hinge(x, t, norm="L2"), (x, t))


def test_bad_input():
    x = numpy.zeros((2, 3), numpy.float32)
    with pytest.raises(rechain.InvalidType, match=r"hinge: x and t must have the same batch "
                                                   r"size, got x \(2, 3\) and t \(3,\)"):
        F.hinge(x, numpy.zeros(3, numpy.int32))
    with pytest.raises(rechain.InvalidType, match="hinge: t must have an integer dtype"):
        F.hinge(x, numpy.zeros(2, numpy.float32))
    with pytest.raises(ValueError, match=r"hinge: label 3 at position 1 of t is out of range: "
                                         r"labels must be in \[0, 3\)"):
        F.hinge(x, numpy.array([0, 3]))
    with pytest.raises(ValueError, match="hinge: norm must be 'L1' or 'L2', got 'L3'"):
        F.hinge(x, numpy.array([0, 1]), norm="L3")

"""ReLU's backward: bitwise what ``gy * (y > 0)`` gives, in one allocation."""

import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.functions.activation.relu import ReLUGrad, relu_grad_array

MiB = 1 << 20


def _bits(a):
    return a.view(numpy.uint32 if a.dtype == numpy.float32 else numpy.uint64)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_bitwise_equal_to_mask_product_with_nan_and_signed_zero(dtype):
    neg_nan = -numpy.array(numpy.nan, dtype)
    y = numpy.array([1, -1, 0, -0.0, numpy.nan, 2, 3, -2, 5, -5, numpy.nan, 1e-30],
                    dtype)
    gy = numpy.array([numpy.nan, numpy.nan, -1, -1, -1, -0.0, numpy.inf, 1, neg_nan,
                      neg_nan, 2, -numpy.inf], dtype)
    got = relu_grad_array(numpy, y, gy)
    want = gy * (y > 0)
    assert got.dtype == want.dtype and got.shape == want.shape
    numpy.testing.assert_array_equal(_bits(got), _bits(want))
    assert numpy.signbit(got[2]) and numpy.isnan(got[0]) and numpy.isnan(got[1])


def test_node_and_relu_backward_match_reference():
    rng = numpy.random.default_rng(0)
    x = rng.standard_normal((5, 7)).astype(numpy.float32)
    x[0, :3] = [0.0, -0.0, numpy.nan]
    gy = rng.standard_normal((5, 7)).astype(numpy.float32)
    gy[1, :2] = [-0.0, numpy.nan]
    v = rechain.Variable(x)
    y = F.relu(v)
    y.grad = gy
    y.backward()
    want = gy * (numpy.maximum(x, 0) > 0)
    numpy.testing.assert_array_equal(_bits(v.grad), _bits(want))
    g, = ReLUGrad().apply((numpy.maximum(x, 0), gy))
    numpy.testing.assert_array_equal(_bits(g.array), _bits(want))


def test_zero_dim():
    g = relu_grad_array(numpy, numpy.array(2.0, numpy.float32), numpy.array(-3.0, numpy.float32))
    assert g.shape == () and g == -3.0


def _peak(fn):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        return tracemalloc.get_traced_memory()[1] - base, out
    finally:
        tracemalloc.stop()


def test_backward_allocates_one_gradient_only():
    n = MiB // 4  # 1 MiB of float32
    rng = numpy.random.default_rng(1)
    x = rechain.Variable(rng.standard_normal(n).astype(numpy.float32))
    y = F.relu(x)
    gy = rng.standard_normal(n).astype(numpy.float32)
    y.grad = gy

    def step():
        y.backward(retain_graph=True)
        return x.grad

    peak, gx = _peak(step)
    # The gradient itself (1 MiB) and small bookkeeping; the boolean mask of
    # ``gy * (y > 0)`` would add 0.25 MiB.
    assert MiB <= peak < MiB + MiB // 16, peak
    assert gx.nbytes == MiB


def test_node_forward_allocates_one_array():
    n = MiB // 4
    rng = numpy.random.default_rng(2)
    y = numpy.maximum(rng.standard_normal(n).astype(numpy.float32), 0)
    gy = rng.standard_normal(n).astype(numpy.float32)
    peak, _ = _peak(lambda: relu_grad_array(numpy, y, gy))
    assert MiB <= peak < MiB + 64 * 1024, peak

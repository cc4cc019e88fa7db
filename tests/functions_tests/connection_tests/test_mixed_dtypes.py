"""x, W and b of different float dtypes, as Chainer accepts them (issue 14): the
product runs in the promoted dtype, the output has x's dtype and each gradient
its input's."""

import numpy
import pytest

import rechain
import rechain.functions as F

PAIRS = [(numpy.float16, numpy.float32), (numpy.float32, numpy.float64),
         (numpy.float64, numpy.float16)]

CALLS = {
    "linear": (lambda x, W, b: F.linear(x, W, b), (3, 4), (5, 4), (5,)),
    "linear_nbatch": (lambda x, W, b: F.linear(x, W, b, n_batch_axes=2), (2, 3, 4), (5, 4),
                      (5,)),
    "convolution_2d": (lambda x, W, b: F.convolution_2d(x, W, b, pad=1), (2, 3, 4, 4),
                       (5, 3, 3, 3), (5,)),
    "convolution_nd": (lambda x, W, b: F.convolution_nd(x, W, b, stride=2), (2, 3, 5, 4, 4),
                       (2, 3, 2, 2, 2), (2,)),
    "deconvolution_2d": (lambda x, W, b: F.deconvolution_2d(x, W, b, stride=2),
                         (2, 3, 3, 3), (3, 4, 2, 2), (4,)),
    "deconvolution_nd": (lambda x, W, b: F.deconvolution_nd(x, W, b), (2, 3, 3), (3, 2, 2),
                         (2,)),
    "dilated_convolution_2d": (lambda x, W, b: F.dilated_convolution_2d(x, W, b, dilate=2),
                               (1, 2, 5, 5), (3, 2, 2, 2), (3,)),
    "depthwise_convolution_2d": (lambda x, W, b: F.depthwise_convolution_2d(x, W, b),
                                 (1, 3, 4, 4), (2, 3, 2, 2), (6,)),
}


@pytest.mark.parametrize("xdtype,wdtype", PAIRS)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_mixed_dtypes(name, xdtype, wdtype):
    f, xs, ws, bs = CALLS[name]
    rng = numpy.random.default_rng(0)
    x64, W64, b64 = (rng.uniform(-1, 1, s) for s in (xs, ws, bs))
    x, W = rechain.Variable(x64.astype(xdtype)), rechain.Variable(W64.astype(wdtype))
    b = rechain.Variable(b64.astype(xdtype))
    y = f(x, W, b)
    assert y.dtype == xdtype
    # the same function of the inputs' values, computed in float64
    ref = f(x.array.astype(numpy.float64), W.array.astype(numpy.float64),
            b.array.astype(numpy.float64))
    tol = 2e-2 if numpy.float16 in (xdtype, wdtype) else 1e-5
    numpy.testing.assert_allclose(y.array, ref.array, rtol=tol, atol=tol)
    F.sum(y * y).backward()
    assert (x.grad.dtype, W.grad.dtype, b.grad.dtype) == (xdtype, wdtype, xdtype)


def test_same_dtypes_add_no_node():
    x = rechain.Variable(numpy.ones((2, 3), numpy.float32))
    y = F.linear(x, numpy.ones((4, 3), numpy.float32))
    assert type(y.creator).__name__ == "LinearFunction"
    y = F.linear(x, numpy.ones((4, 3), numpy.float64))
    assert type(y.creator).__name__ == "Cast"


def test_mixed_dtypes_gradient_check_and_forget(grads, forget_matches_plain_fx):
    rng = numpy.random.default_rng(1)
    x, W = rng.uniform(-1, 1, (2, 3, 4, 4)), rng.uniform(-1, 1, (2, 3, 3, 3))
    W32 = W.astype(numpy.float32)
    grads(lambda x: F.convolution_2d(x, W32, pad=1), (x,))
    forget_matches_plain_fx(lambda x: F.convolution_2d(F.tanh(x), W32), (x,))

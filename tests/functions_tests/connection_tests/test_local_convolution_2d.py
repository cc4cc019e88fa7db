import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def ref(x, W, b, stride):
    n = x.shape[0]
    oc, oh, ow, c, kh, kw = W.shape
    sy, sx = stride
    y = numpy.zeros((n, oc, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sy:i * sy + kh, j * sx:j * sx + kw]
            for o in range(oc):
                y[:, o, i, j] = (patch * W[o, i, j]).sum(axis=(1, 2, 3))
    return y if b is None else y + b


CASES = [((2, 3, 5, 5), 2, (3, 3), 1, True), ((1, 2, 6, 7), 3, (2, 3), (2, 1), False),
         ((2, 1, 4, 4), 1, (4, 4), 1, True)]


def _data(xs, oc, k, stride, bias, dtype, rng):
    sy, sx = (stride, stride) if isinstance(stride, int) else stride
    oh, ow = (xs[2] - k[0]) // sy + 1, (xs[3] - k[1]) // sx + 1
    x = rng.uniform(-1, 1, xs).astype(dtype)
    W = rng.uniform(-1, 1, (oc, oh, ow, xs[1]) + k).astype(dtype)
    b = rng.uniform(-1, 1, (oc, oh, ow)).astype(dtype) if bias else None
    return x, W, b, (sy, sx)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xs,oc,k,stride,bias", CASES)
def test_forward_against_loops(xs, oc, k, stride, bias, dtype):
    x, W, b, s = _data(xs, oc, k, stride, bias, dtype, numpy.random.default_rng(0))
    y = F.local_convolution_2d(x, W, b, stride)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ref(x, W, b, s), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs,oc,k,stride,bias", CASES)
def test_gradients(xs, oc, k, stride, bias, grads):
    x, W, b, _ = _data(xs, oc, k, stride, bias, numpy.float64, numpy.random.default_rng(1))
    if bias:
        grads(lambda x, W, b: F.local_convolution_2d(x, W, b, stride), (x, W, b))
    else:
        grads(lambda x, W: F.local_convolution_2d(x, W, None, stride), (x, W))


@pytest.mark.parametrize("xdtype,wdtype", [(numpy.float32, numpy.float64),
                                           (numpy.float64, numpy.float16)])
def test_mixed_dtypes(xdtype, wdtype):
    x, W, b, s = _data((2, 3, 5, 5), 2, (3, 3), 1, True, numpy.float64,
                       numpy.random.default_rng(4))
    xv, Wv = rechain.Variable(x.astype(xdtype)), rechain.Variable(W.astype(wdtype))
    y = F.local_convolution_2d(xv, Wv, b.astype(xdtype))
    assert y.dtype == xdtype
    numpy.testing.assert_allclose(y.array, ref(x, W.astype(wdtype).astype(numpy.float64), b, s),
                                  rtol=1e-3, atol=1e-3)
    F.sum(y).backward()
    assert xv.grad.dtype == xdtype and Wv.grad.dtype == wdtype


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain_fx):
    x, W, b, _ = _data((2, 3, 5, 5), 2, (3, 3), 1, True, numpy.float64,
                       numpy.random.default_rng(2))
    forget_matches_plain_fx(lambda x, W, b: F.local_convolution_2d(F.tanh(x), W, b), (x, W, b))


def test_bad_input():
    x = numpy.zeros((2, 3, 5, 5), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"local_convolution_2d: W \(2, 3, 3, 3, 3, 3\) has \(3, 3\) output "
                             r"positions, but x \(2, 3, 5, 5\) with kernel \(3, 3\) and stride "
                             r"\(2, 2\) gives \(2, 2\)"):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 3, 3, 3), numpy.float32), stride=2)
    with pytest.raises(type_check.InvalidType,
                       match=r"local_convolution_2d: W must be 6-d"):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType,
                       match=r"local_convolution_2d: W \(2, 3, 3, 4, 3, 3\) has 4 input "
                             r"channels \(axis 3\), but x \(2, 3, 5, 5\) has 3"):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 4, 3, 3), numpy.float32))
    with pytest.raises(type_check.InvalidType,
                       match=r"local_convolution_2d: b must have shape \(2, 3, 3\)"):
        F.local_convolution_2d(x, numpy.zeros((2, 3, 3, 3, 3, 3), numpy.float32),
                               numpy.zeros(2, numpy.float32))


def test_chainer_layout_and_node_classes():
    """rechain.functions.connection.{convolution_2d, local_convolution_2d} are modules
    (Chainer's layout) whose node classes take Chainer's arguments."""
    from rechain.functions.connection import convolution_2d, local_convolution_2d
    assert callable(F.convolution_2d) and callable(F.local_convolution_2d)
    rng = numpy.random.default_rng(5)
    x, W = rng.uniform(-1, 1, (2, 3, 5, 5)), rng.uniform(-1, 1, (4, 3, 3, 3))
    Wl = numpy.broadcast_to(W[:, None, None], (4, 2, 2, 3, 3, 3)).copy()
    y1 = local_convolution_2d.LocalConvolution2DFunction(2).apply((x, Wl))[0]
    y2 = convolution_2d.Convolution2DFunction(2, 0).apply((x, W))[0]
    numpy.testing.assert_allclose(y1.array, y2.array, rtol=1e-12)
    numpy.testing.assert_allclose(y2.array, F.convolution_2d(x, W, stride=2).array)

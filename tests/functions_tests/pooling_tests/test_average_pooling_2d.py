import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import function_node
from rechain import gradient_check
from rechain.utils import type_check

TOL = {numpy.float32: dict(atol=1e-2, rtol=1e-2), numpy.float64: dict(atol=1e-5, rtol=1e-4)}


def _pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


def naive_avg_pool(x, ksize, stride, pad):
    kh, kw = _pair(ksize)
    sy, sx = (kh, kw) if stride is None else _pair(stride)
    ph, pw = _pair(pad)
    n, c, h, w = x.shape
    oh, ow = (h + 2 * ph - kh) // sy + 1, (w + 2 * pw - kw) // sx + 1
    y = numpy.zeros((n, c, oh, ow))
    for yy in range(oh):
        for xx in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, s = yy * sy - ph + i, xx * sx - pw + j
                    if 0 <= r < h and 0 <= s < w:
                        y[:, :, yy, xx] += x[:, :, r, s]
    return y / (kh * kw)


# (x shape, ksize, stride, pad)
CASES = [
    ((2, 2, 4, 4), 2, None, 0),
    ((2, 2, 5, 5), 3, 2, 1),
    ((1, 3, 4, 6), (2, 3), (1, 2), (1, 0)),
    ((2, 1, 3, 3), 2, 1, 0),
    ((1, 1, 3, 3), 2, 2, 1),
]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,ksize,stride,pad", CASES)
def test_forward(shape, ksize, stride, pad, dtype):
    x = numpy.random.default_rng(0).uniform(-1, 1, shape).astype(dtype)
    y = F.average_pooling_2d(x, ksize, stride, pad)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, naive_avg_pool(x, ksize, stride, pad),
                                  rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,ksize,stride,pad", CASES)
def test_backward_and_double_backward(shape, ksize, stride, pad, dtype):
    rng = numpy.random.default_rng(1)
    x = rng.uniform(-1, 1, shape).astype(dtype)

    def f(x_):
        return F.average_pooling_2d(x_, ksize, stride, pad)

    def f2(x_):
        y = f(x_)
        return y * y

    gy = rng.uniform(-1, 1, f(x).shape).astype(dtype)
    gradient_check.check_backward(f, x, gy, seed=0, **TOL[dtype])
    ggx = rng.uniform(-1, 1, shape).astype(dtype)
    gradient_check.check_double_backward(f2, x, gy, ggx, seed=0, **TOL[dtype])


def test_retains_nothing():
    y = F.average_pooling_2d(rechain.Variable(numpy.ones((1, 1, 4, 4), numpy.float32)), 2)
    assert list(function_node.retained_arrays(y.creator)) == []


def test_bad_window_larger_than_padded_input():
    with pytest.raises(type_check.InvalidType,
                       match=r"average_pooling_2d: window \(3, 3\) is larger than the padded "
                             r"input \(2, 2\) of x \(1, 1, 2, 2\) with pad \(0, 0\)"):
        F.average_pooling_2d(numpy.zeros((1, 1, 2, 2), numpy.float32), 3)


def test_bad_integer_input():
    with pytest.raises(type_check.InvalidType,
                       match=r"average_pooling_2d: x must have a floating-point dtype, got int32"):
        F.average_pooling_2d(numpy.zeros((1, 1, 4, 4), numpy.int32), 2)


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x = numpy.random.default_rng(2).uniform(-1, 1, (2, 2, 5, 5)).astype(numpy.float32)
    y = F.average_pooling_2d(cp.asarray(x), 3, 2, 1)
    numpy.testing.assert_allclose(cp.asnumpy(y.array), naive_avg_pool(x, 3, 2, 1), rtol=1e-5,
                                  atol=1e-6)

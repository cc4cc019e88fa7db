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


def _outsize(size, k, s, p, cover_all):
    if cover_all:
        return (size + 2 * p - k + s - 1) // s + 1
    return (size + 2 * p - k) // s + 1


def naive_max_pool(x, ksize, stride, pad, cover_all):
    """Returns (y, window index of the max), both by loops (tests only)."""
    kh, kw = _pair(ksize)
    sy, sx = (kh, kw) if stride is None else _pair(stride)
    ph, pw = _pair(pad)
    n, c, h, w = x.shape
    oh, ow = _outsize(h, kh, sy, ph, cover_all), _outsize(w, kw, sx, pw, cover_all)
    y = numpy.full((n, c, oh, ow), -numpy.inf)
    idx = numpy.zeros((n, c, oh, ow), numpy.int64)
    for a in range(n):
        for b in range(c):
            for yy in range(oh):
                for xx in range(ow):
                    for i in range(kh):
                        for j in range(kw):
                            r, s = yy * sy - ph + i, xx * sx - pw + j
                            if 0 <= r < h and 0 <= s < w and x[a, b, r, s] > y[a, b, yy, xx]:
                                y[a, b, yy, xx] = x[a, b, r, s]
                                idx[a, b, yy, xx] = i * kw + j
    return y, idx


# (x shape, ksize, stride, pad, cover_all)
CASES = [
    ((2, 2, 4, 4), 2, None, 0, True),
    ((2, 2, 5, 5), 3, 2, 1, True),
    ((2, 2, 5, 5), 3, 2, 1, False),
    ((1, 3, 4, 6), (2, 3), (1, 2), (1, 0), True),
    ((2, 1, 3, 3), 2, 1, 0, False),
]


def _distinct(shape, dtype, rng):
    """Values 0.05 apart: no ties, and no argmax change under small perturbations."""
    n = int(numpy.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.05 - n * 0.025).astype(dtype)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,ksize,stride,pad,cover_all", CASES)
def test_forward(shape, ksize, stride, pad, cover_all, dtype):
    x = _distinct(shape, dtype, numpy.random.default_rng(0))
    y, idx = F.max_pooling_2d(x, ksize, stride, pad, cover_all, return_indices=True)
    ry, ridx = naive_max_pool(x, ksize, stride, pad, cover_all)
    assert y.dtype == dtype
    numpy.testing.assert_array_equal(y.array, ry.astype(dtype))
    numpy.testing.assert_array_equal(idx, ridx)
    y2 = F.max_pooling_2d(x, ksize, stride, pad, cover_all)
    numpy.testing.assert_array_equal(y2.array, y.array)


def test_ties_pick_the_first_position():
    x = numpy.ones((1, 1, 2, 2), numpy.float32)
    xv = rechain.Variable(x)
    y = F.max_pooling_2d(xv, 2)
    y.backward()
    numpy.testing.assert_array_equal(xv.grad, [[[[1, 0], [0, 0]]]])


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("shape,ksize,stride,pad,cover_all", CASES)
def test_backward_and_double_backward(shape, ksize, stride, pad, cover_all, dtype):
    rng = numpy.random.default_rng(1)
    x = _distinct(shape, dtype, rng)

    def f(x_):
        return F.max_pooling_2d(x_, ksize, stride, pad, cover_all)

    def f2(x_):
        y = f(x_)
        return y * y

    gy = rng.uniform(-1, 1, f(x).shape).astype(dtype)
    gradient_check.check_backward(f, x, gy, seed=0, **TOL[dtype])
    ggx = rng.uniform(-1, 1, shape).astype(dtype)
    gradient_check.check_double_backward(f2, x, gy, ggx, seed=0, **TOL[dtype])


def test_gradient_values_overlapping_windows():
    x = numpy.array([[[[1., 5., 2.], [0., 3., 4.], [6., 0., 1.]]]])
    xv = rechain.Variable(x)
    y = F.max_pooling_2d(xv, 2, stride=1, cover_all=False)
    numpy.testing.assert_array_equal(y.array, [[[[5., 5.], [6., 4.]]]])
    y.grad = numpy.array([[[[1., 2.], [3., 4.]]]])
    y.backward()
    numpy.testing.assert_array_equal(xv.grad, [[[[0., 3., 0.], [0., 0., 4.], [3., 0., 0.]]]])


def test_retains_only_the_indexes():
    xv = rechain.Variable(_distinct((1, 2, 4, 4), numpy.float32, numpy.random.default_rng(2)))
    y = F.max_pooling_2d(xv, 2)
    node = y.creator
    kept = list(function_node.retained_arrays(node))
    assert [(kind, i) for kind, i, _ in kept] == [("output", 1)]
    assert kept[0][2].dtype == numpy.int32 and kept[0][2].shape == y.shape
    assert not any(isinstance(v, numpy.ndarray) for v in vars(node).values())


def test_bad_window_larger_than_padded_input():
    with pytest.raises(type_check.InvalidType,
                       match=r"max_pooling_2d: window \(5, 5\) is larger than the padded "
                             r"input \(4, 4\) of x \(1, 1, 2, 2\) with pad \(1, 1\)"):
        F.max_pooling_2d(numpy.zeros((1, 1, 2, 2), numpy.float32), 5, pad=1)


def test_bad_pad_not_below_window():
    with pytest.raises(type_check.InvalidType,
                       match=r"max_pooling_2d: pad \(2, 2\) must be smaller than the window "
                             r"\(2, 2\) \(x \(1, 1, 4, 4\)\)"):
        F.max_pooling_2d(numpy.zeros((1, 1, 4, 4), numpy.float32), 2, pad=2)


def test_bad_ndim():
    with pytest.raises(type_check.InvalidType,
                       match=r"max_pooling_2d: x must be 4-d \(N, C, H, W\), got shape \(4, 4\)"):
        F.max_pooling_2d(numpy.zeros((4, 4), numpy.float32), 2)


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x = _distinct((2, 2, 5, 5), numpy.float32, numpy.random.default_rng(3))
    xg = rechain.Variable(cp.asarray(x))
    y = F.max_pooling_2d(xg, 3, 2, 1)
    F.sum(y * y).backward()
    xc = rechain.Variable(x)
    yc = F.max_pooling_2d(xc, 3, 2, 1)
    F.sum(yc * yc).backward()
    numpy.testing.assert_allclose(cp.asnumpy(y.array), yc.array)
    numpy.testing.assert_allclose(cp.asnumpy(xg.grad), xc.grad)

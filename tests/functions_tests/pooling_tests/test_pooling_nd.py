"""max/average pooling over 1, 2 and 3 spatial axes, unpooling and upsampling."""

import itertools

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain.utils import type_check


def _nt(v, n):
    return tuple(v) if isinstance(v, tuple) else (v,) * n


def _out(n, k, s, p, cover_all):
    if cover_all:
        return (n + 2 * p - k + s - 1) // s + 1
    return (n + 2 * p - k) // s + 1


def _windows(size, ksize, stride, pad, cover_all):
    """For each output position, the list of (flat tap index, input index or None)."""
    nd = len(size)
    outsize = tuple(_out(*a, cover_all) for a in zip(size, ksize, stride, pad))
    for pos in itertools.product(*(range(o) for o in outsize)):
        taps = []
        for k, t in enumerate(itertools.product(*(range(k) for k in ksize))):
            src = tuple(pos[d] * stride[d] - pad[d] + t[d] for d in range(nd))
            inside = all(0 <= src[d] < size[d] for d in range(nd))
            taps.append((k, src if inside else None))
        yield pos, taps


def ref_max(x, ksize, stride, pad, cover_all):
    nd = x.ndim - 2
    ksize, pad = _nt(ksize, nd), _nt(pad, nd)
    stride = ksize if stride is None else _nt(stride, nd)
    outsize = tuple(_out(*a, cover_all) for a in zip(x.shape[2:], ksize, stride, pad))
    y = numpy.full(x.shape[:2] + outsize, -numpy.inf)
    idx = numpy.zeros(y.shape, numpy.int64)
    for n, c in numpy.ndindex(*x.shape[:2]):
        for pos, taps in _windows(x.shape[2:], ksize, stride, pad, cover_all):
            for k, src in taps:
                if src is not None and x[(n, c) + src] > y[(n, c) + pos]:
                    y[(n, c) + pos] = x[(n, c) + src]
                    idx[(n, c) + pos] = k
    return y, idx


def ref_avg(x, ksize, stride, pad, pad_value):
    nd = x.ndim - 2
    ksize, pad = _nt(ksize, nd), _nt(pad, nd)
    stride = ksize if stride is None else _nt(stride, nd)
    outsize = tuple(_out(*a, False) for a in zip(x.shape[2:], ksize, stride, pad))
    y = numpy.zeros(x.shape[:2] + outsize)
    for n, c in numpy.ndindex(*x.shape[:2]):
        for pos, taps in _windows(x.shape[2:], ksize, stride, pad, False):
            vals = [x[(n, c) + src] for _, src in taps if src is not None]
            y[(n, c) + pos] = sum(vals) / (len(taps) if pad_value == 0 else len(vals))
    return y


def ref_unpool(x, ksize, stride, pad, outsize):
    nd = x.ndim - 2
    ksize, pad = _nt(ksize, nd), _nt(pad, nd)
    stride = ksize if stride is None else _nt(stride, nd)
    y = numpy.zeros(x.shape[:2] + tuple(outsize))
    for n, c in numpy.ndindex(*x.shape[:2]):
        for pos in numpy.ndindex(*x.shape[2:]):
            for t in itertools.product(*(range(k) for k in ksize)):
                dst = tuple(pos[d] * stride[d] - pad[d] + t[d] for d in range(nd))
                if all(0 <= dst[d] < outsize[d] for d in range(nd)):
                    y[(n, c) + dst] += x[(n, c) + pos]
    return y


def _distinct(shape, dtype, rng):
    n = int(numpy.prod(shape))
    return (rng.permutation(n).reshape(shape) * 0.05 - n * 0.025).astype(dtype)


# (function name, x shape, ksize, stride, pad, cover_all)
MAX_CASES = [
    ("max_pooling_1d", (2, 3, 7), 3, 2, 1, True),
    ("max_pooling_1d", (2, 3, 7), 2, None, 0, False),
    ("max_pooling_nd", (1, 2, 6, 4), (2, 3), (2, 1), (1, 0), True),
    ("max_pooling_3d", (1, 2, 4, 3, 5), 2, None, 0, True),
    ("max_pooling_3d", (2, 1, 3, 4, 4), (2, 2, 3), (1, 2, 2), (0, 1, 1), False),
    ("max_pooling_nd", (1, 1, 3, 3, 2, 3), 2, 2, 0, True),
]


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("name,shape,ksize,stride,pad,cover_all", MAX_CASES)
def test_max_forward_against_loops(name, shape, ksize, stride, pad, cover_all, dtype):
    x = _distinct(shape, dtype, numpy.random.default_rng(0))
    y, idx = getattr(F, name)(x, ksize, stride, pad, cover_all, return_indices=True)
    ry, ridx = ref_max(x.astype(numpy.float64), ksize, stride, pad, cover_all)
    assert y.dtype == dtype and idx.dtype == numpy.int32
    numpy.testing.assert_array_equal(y.array, ry.astype(dtype))
    numpy.testing.assert_array_equal(idx, ridx)


@pytest.mark.parametrize("name,shape,ksize,stride,pad,cover_all", MAX_CASES[:5])
def test_max_gradients(name, shape, ksize, stride, pad, cover_all, grads):
    x = _distinct(shape, numpy.float64, numpy.random.default_rng(1))
    grads(lambda x: getattr(F, name)(x, ksize, stride, pad, cover_all), (x,))


def test_max_pooling_2d_agrees_with_nd():
    x = _distinct((2, 3, 5, 6), numpy.float32, numpy.random.default_rng(2))
    a, ia = F.max_pooling_2d(x, 3, 2, 1, return_indices=True)
    b, ib = F.max_pooling_nd(x, 3, 2, 1, return_indices=True)
    numpy.testing.assert_array_equal(a.array, b.array)
    numpy.testing.assert_array_equal(ia, ib)


AVG_CASES = [
    ("average_pooling_1d", (2, 3, 7), 3, 2, 1),
    ("average_pooling_nd", (1, 2, 5, 4), (2, 3), (2, 1), (1, 0)),
    ("average_pooling_3d", (1, 2, 4, 3, 5), 2, None, 0),
    ("average_pooling_3d", (2, 1, 3, 4, 4), (2, 2, 3), (1, 2, 2), (0, 1, 1)),
]


@pytest.mark.parametrize("pad_value", [0, None])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("name,shape,ksize,stride,pad", AVG_CASES)
def test_average_forward_against_loops(name, shape, ksize, stride, pad, dtype, pad_value):
    x = numpy.random.default_rng(3).uniform(-1, 1, shape).astype(dtype)
    y = getattr(F, name)(x, ksize, stride, pad, pad_value)
    assert y.dtype == dtype
    numpy.testing.assert_allclose(y.array, ref_avg(x.astype(numpy.float64), ksize, stride,
                                                   pad, pad_value), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pad_value", [0, None])
@pytest.mark.parametrize("name,shape,ksize,stride,pad", AVG_CASES)
def test_average_gradients(name, shape, ksize, stride, pad, pad_value, grads):
    x = numpy.random.default_rng(4).uniform(-1, 1, shape)
    grads(lambda x: getattr(F, name)(x, ksize, stride, pad, pad_value), (x,))


def test_average_pooling_nd_agrees_with_2d():
    x = numpy.random.default_rng(5).uniform(-1, 1, (2, 3, 5, 6))
    numpy.testing.assert_allclose(F.average_pooling_nd(x, 3, 2, 1).array,
                                  F.average_pooling_2d(x, 3, 2, 1).array, rtol=1e-12)


UNPOOL_CASES = [
    ("unpooling_1d", (2, 3, 4), 2, None, 0, None, True),
    ("unpooling_1d", (2, 1, 3), 3, 2, 1, None, True),
    ("unpooling_2d", (1, 2, 3, 2), 2, None, 0, (6, 4), True),
    ("unpooling_2d", (1, 2, 3, 3), 3, 2, 1, None, False),
    ("unpooling_3d", (1, 1, 2, 2, 3), 2, None, 0, None, True),
    ("unpooling_nd", (1, 2, 2, 3, 2), (2, 1, 3), (1, 2, 2), (0, 0, 1), None, False),
]


def _unpool_outsize(shape, ksize, stride, pad, outsize, cover_all):
    nd = len(shape) - 2
    if outsize is not None:
        return outsize
    k, p = _nt(ksize, nd), _nt(pad, nd)
    s = k if stride is None else _nt(stride, nd)
    if cover_all:
        return tuple(s[d] * (shape[2 + d] - 1) + k[d] - s[d] + 1 - 2 * p[d] for d in range(nd))
    return tuple(s[d] * (shape[2 + d] - 1) + k[d] - 2 * p[d] for d in range(nd))


@pytest.mark.parametrize("name,shape,ksize,stride,pad,outsize,cover_all", UNPOOL_CASES)
def test_unpooling_forward_against_loops(name, shape, ksize, stride, pad, outsize, cover_all):
    x = numpy.random.default_rng(6).uniform(-1, 1, shape).astype(numpy.float32)
    y = getattr(F, name)(x, ksize, stride, pad, outsize, cover_all)
    out = _unpool_outsize(shape, ksize, stride, pad, outsize, cover_all)
    assert y.shape == shape[:2] + tuple(out) and y.dtype == numpy.float32
    numpy.testing.assert_allclose(y.array, ref_unpool(x.astype(numpy.float64), ksize, stride,
                                                      pad, out), rtol=1e-6)


@pytest.mark.parametrize("name,shape,ksize,stride,pad,outsize,cover_all", UNPOOL_CASES)
def test_unpooling_gradients(name, shape, ksize, stride, pad, outsize, cover_all, grads):
    x = numpy.random.default_rng(7).uniform(-1, 1, shape)
    grads(lambda x: getattr(F, name)(x, ksize, stride, pad, outsize, cover_all), (x,))


def test_unpooling_2d_copies_each_pixel_into_its_window():
    x = numpy.array([[[[1., 2.], [3., 4.]]]], numpy.float32)
    numpy.testing.assert_array_equal(
        F.unpooling_2d(x, 2, cover_all=False).array[0, 0],
        [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])


@pytest.mark.parametrize("ksize,stride,pad,cover_all,size", [
    (2, None, 0, True, (6, 6)), (3, 2, 1, True, (5, 7)), (2, 1, 0, False, (4, 5)),
    ((2, 3), (2, 2), (1, 0), False, (5, 6)),
])
def test_upsampling_2d_inverts_max_pooling_positions(ksize, stride, pad, cover_all, size):
    rng = numpy.random.default_rng(8)
    x = _distinct((2, 3) + size, numpy.float64, rng)
    y, idx = F.max_pooling_2d(x, ksize, stride, pad, cover_all, return_indices=True)
    up = F.upsampling_2d(y, idx, ksize, stride, pad, size, cover_all)
    # the reference: put each pooled value at its argmax in the input, adding up
    ref = numpy.zeros(x.shape)
    nd = 2
    k, p = _nt(ksize, nd), _nt(pad, nd)
    s = k if stride is None else _nt(stride, nd)
    for n, c in numpy.ndindex(*x.shape[:2]):
        for pos, taps in _windows(size, k, s, p, cover_all):
            src = taps[idx[(n, c) + pos]][1]
            ref[(n, c) + src] += y.array[(n, c) + pos]
    numpy.testing.assert_allclose(up.array, ref, rtol=1e-12)
    assert up.shape == x.shape


def test_upsampling_2d_gradients(grads):
    rng = numpy.random.default_rng(9)
    x = _distinct((2, 2, 5, 5), numpy.float64, rng)
    _, idx = F.max_pooling_2d(x, 3, 2, 1, return_indices=True)
    y = rng.uniform(-1, 1, idx.shape)
    grads(lambda y: F.upsampling_2d(y, idx, 3, 2, 1, (5, 5)), (y,))


@pytest.mark.parametrize("func", [
    lambda x: F.max_pooling_1d(x, 3, 2, 1),
    lambda x: F.max_pooling_3d(F.reshape(x, (1, 2, 2, 3, 2)), 2, cover_all=False),
    lambda x: F.average_pooling_1d(x, 3, 2, 1, pad_value=None),
    lambda x: F.average_pooling_3d(F.reshape(x, (1, 2, 2, 3, 2)), 2, 1),
    lambda x: F.unpooling_1d(x, 2),
    lambda x: F.unpooling_nd(F.reshape(x, (1, 2, 2, 3, 2)), 2, outsize=(4, 6, 4)),
])
def test_forget_gives_plain_outputs_and_gradients(func, forget_matches_plain_fx):
    x = _distinct((2, 3, 4), numpy.float64, numpy.random.default_rng(10))
    forget_matches_plain_fx(func, (x,))


def test_upsampling_under_forget(forget_matches_plain_fx):
    x = _distinct((1, 2, 4, 4), numpy.float64, numpy.random.default_rng(11))
    _, idx = F.max_pooling_2d(x, 2, return_indices=True)
    y = numpy.random.default_rng(12).uniform(-1, 1, idx.shape)
    forget_matches_plain_fx(lambda y: F.upsampling_2d(F.sin(y), idx, 2, outsize=(4, 4)), (y,))


# -- bad input ---------------------------------------------------------------------------

def test_bad_input():
    x3 = numpy.zeros((2, 3, 4), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"max_pooling_3d: x must be 5-d \(N, C, 3 spatial axes\), got "
                             r"shape \(2, 3, 4\)"):
        F.max_pooling_3d(x3, 2)
    with pytest.raises(type_check.InvalidType,
                       match=r"average_pooling_1d: window \(5,\) is larger than the padded "
                             r"input \(4,\) of x \(2, 3, 4\)"):
        F.average_pooling_1d(x3, 5)
    with pytest.raises(type_check.InvalidType,
                       match=r"max_pooling_1d: pad \(2,\) must be smaller than the window"):
        F.max_pooling_1d(x3, 2, pad=2)
    with pytest.raises(ValueError, match=r"average_pooling_nd: pad_value must be 0 or None, "
                                         r"got 1"):
        F.average_pooling_nd(x3, 2, pad_value=1)
    with pytest.raises(ValueError, match=r"max_pooling_nd: ksize must be an int or a "
                                         r"sequence of 1 ints, got \(2, 2\)"):
        F.max_pooling_nd(x3, (2, 2))
    with pytest.raises(type_check.InvalidType, match=r"max_pooling_nd: x must have at least 3"):
        F.max_pooling_nd(numpy.zeros((2, 3), numpy.float32), 2)
    with pytest.raises(type_check.InvalidType,
                       match=r"unpooling_1d: outsize \(5,\) pools back to \(3,\), not to x's "
                             r"spatial size \(4,\)"):
        F.unpooling_1d(x3, 2, outsize=5)
    with pytest.raises(type_check.InvalidType, match=r"unpooling_2d: x must have a "
                                                     r"floating-point dtype, got int32"):
        F.unpooling_2d(numpy.zeros((1, 1, 2, 2), numpy.int32), 2)
    x4 = numpy.zeros((1, 1, 2, 2), numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"upsampling_2d: indexes of shape \(1, 1, 2\) must have x's shape"):
        F.upsampling_2d(x4, numpy.zeros((1, 1, 2), numpy.int32), 2)
    with pytest.raises(ValueError, match=r"upsampling_2d: indexes must lie in \[0, 4\)"):
        F.upsampling_2d(x4, numpy.full((1, 1, 2, 2), 4, numpy.int32), 2)
    with pytest.raises(type_check.InvalidType, match=r"upsampling_2d: indexes must have an "
                                                     r"integer dtype, got float32"):
        F.upsampling_2d(x4, x4, 2)


@pytest.mark.gpu
def test_gpu_matches_cpu():
    cp = rechain.backend.cupy
    x = _distinct((2, 3, 4, 5, 3), numpy.float32, numpy.random.default_rng(13))
    for f in (lambda a: F.max_pooling_3d(a, 2, 1, 1), lambda a: F.average_pooling_3d(a, 2),
              lambda a: F.unpooling_3d(a, 2)):
        numpy.testing.assert_allclose(cp.asnumpy(f(cp.asarray(x)).array), f(x).array,
                                      rtol=1e-6)


def test_unpooling_may_give_an_empty_output():
    # x of spatial size (3, 2), ksize 1, pad 1: the padding crops one row and one
    # column from each side, leaving (1, 0) (Chainer allows it)
    x = numpy.ones((2, 3, 3, 2), numpy.float32)
    y = F.unpooling_nd(x, 1, pad=1)
    assert y.shape == (2, 3, 1, 0)
    xv = rechain.Variable(x)
    F.sum(F.unpooling_nd(xv, 1, pad=1)).backward()
    numpy.testing.assert_array_equal(xv.grad, 0)
    with pytest.raises(type_check.InvalidType, match=r"unpooling_nd: the output size would be "
                                                     r"negative"):
        F.unpooling_nd(numpy.ones((1, 1, 1), numpy.float32), 1, pad=1)

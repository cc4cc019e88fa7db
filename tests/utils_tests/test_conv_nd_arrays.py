"""rechain.utils.conv_nd: N-d im2col / col2im on arrays (chainer.utils.conv_nd)."""

import itertools

import numpy
import pytest

from rechain.utils import conv_nd


def _im2col_loops(x, k, s, p, d, cover_all=False, pval=0):
    nd = x.ndim - 2
    out = []
    for n, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d):
        dk = (kk - 1) * dd + 1
        extra = ss - 1 if cover_all else 0
        out.append((n + 2 * pp - dk + extra) // ss + 1)
    col = numpy.empty(x.shape[:2] + tuple(k) + tuple(out), x.dtype)
    for taps in itertools.product(*(range(kk) for kk in k)):
        for pos in itertools.product(*(range(o) for o in out)):
            src = [t * dd + q * ss - pp for t, dd, q, ss, pp in zip(taps, d, pos, s, p)]
            inside = all(0 <= i < n for i, n in zip(src, x.shape[2:]))
            col[(slice(None), slice(None)) + taps + pos] = \
                x[(slice(None), slice(None)) + tuple(src)] if inside else pval
    return col


@pytest.mark.parametrize("shape,k,s,p,d", [((2, 3, 5), (3,), (2,), (1,), (1,)),
                                           ((1, 2, 4, 5), (3, 2), (1, 2), (1, 0), (1, 2)),
                                           ((1, 1, 3, 4, 3), (2, 2, 2), (2, 1, 1), (1, 1, 0),
                                            (1, 1, 1))])
@pytest.mark.parametrize("cover_all", [False, True])
def test_im2col_matches_loops_and_col2im_is_its_adjoint(shape, k, s, p, d, cover_all):
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=shape)
    col = conv_nd.im2col_nd_cpu(x, k, s, p, pval=0.5, cover_all=cover_all, dilate=d)
    numpy.testing.assert_array_equal(col, _im2col_loops(x, k, s, p, d, cover_all, 0.5))
    assert col.flags.c_contiguous and col.flags.writeable
    col0 = conv_nd.im2col_nd(x, k, s, p, cover_all, d)
    c = rng.normal(size=col0.shape)
    back = conv_nd.col2im_nd_cpu(c, s, p, shape[2:], d)
    assert back.shape == shape
    numpy.testing.assert_allclose((col0 * c).sum(), (x * back).sum(), rtol=1e-12)


def test_int_arguments_and_bad_input():
    x = numpy.arange(8.0).reshape(1, 1, 2, 4)
    numpy.testing.assert_array_equal(conv_nd.im2col_nd(x, 2, 2, 0),
                                     _im2col_loops(x, (2, 2), (2, 2), (0, 0), (1, 1)))
    with pytest.raises(ValueError, match=r"im2col_nd: no window fits"):
        conv_nd.im2col_nd(x, 5, 1, 0)
    with pytest.raises(ValueError, match=r"im2col_nd: ksize must be an int or a sequence of 2"):
        conv_nd.im2col_nd(x, (2, 2, 2), 1, 0)
    with pytest.raises(ValueError, match=r"col2im_nd: col must be"):
        conv_nd.col2im_nd(x, 1, 0, (2, 4))


@pytest.mark.parametrize("cover_all", [False, True])
def test_2d_im2col_col2im_of_utils_conv(cover_all):
    from rechain.utils import conv
    rng = numpy.random.default_rng(1)
    x = rng.normal(size=(2, 3, 5, 4))
    col = conv.im2col_cpu(x, 3, 2, 2, 1, 1, 0, pval=-1.0, cover_all=cover_all, dy=1, dx=2)
    numpy.testing.assert_array_equal(
        col, _im2col_loops(x, (3, 2), (2, 1), (1, 0), (1, 2), cover_all, -1.0))
    col[...] = 0  # a new array, writable
    col0 = conv.im2col(x, 3, 2, 2, 1, 1, 0, cover_all, 1, 2)
    c = rng.normal(size=col0.shape)
    back = conv.col2im_cpu(c, 2, 1, 1, 0, 5, 4, dy=1, dx=2)
    numpy.testing.assert_allclose((col0 * c).sum(), (x * back).sum(), rtol=1e-12)
    assert conv.im2col_gpu is not None and conv.col2im_gpu is conv.col2im
    with pytest.raises(ValueError, match=r"im2col: no window fits"):
        conv.im2col(x, 9, 9, 1, 1, 0, 0)

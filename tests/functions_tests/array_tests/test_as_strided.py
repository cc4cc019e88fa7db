import numpy
import pytest

import rechain
import rechain.functions as F


@pytest.mark.parametrize("shape,strides,offset", [((3, 2), (1, 1), 0), ((2, 3), (3, 1), 2),
                                                  ((4,), (-2,), 7), ((2, 2), (0, 1), None),
                                                  ((3, 3), (2, 2), 1)])
def test_forward_matches_numpy(shape, strides, offset, dtype):
    x = numpy.arange(12, dtype=dtype).reshape(3, 4)
    y = F.as_strided(x, shape, strides, offset)
    it = x.itemsize
    base = x.ravel()[offset or 0:]
    if min(strides) < 0:
        want = numpy.array([x.ravel()[(offset or 0) + i * strides[0]] for i in range(shape[0])])
    else:
        want = numpy.lib.stride_tricks.as_strided(base, shape, tuple(s * it for s in strides))
    assert y.dtype == dtype and y.shape == shape
    numpy.testing.assert_array_equal(y.array, want)


def test_overlapping_view_accumulates_gradients():
    x = rechain.Variable(numpy.arange(4.0))
    y = F.as_strided(x, (3, 2), (1, 1), 0)
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [1.0, 2.0, 2.0, 1.0])


def test_gradients(check_grads, rng):
    x = rng.normal(size=(3, 4))
    check_grads(lambda x: F.as_strided(x, (3, 3), (2, 2), 1), (x,))
    check_grads(lambda x: F.as_strided(x, (2, 5), (1, 1), 3), (x,))


def test_forget_gives_plain_outputs_and_gradients(rng):
    x_data = rng.normal(size=(6,))
    out = []
    for use in (False, True):
        x = rechain.Variable(x_data.copy())
        g = lambda x: F.tanh(F.as_strided(F.sin(x), (4, 3), (1, 1), 0))  # noqa: E731
        y = F.forget(g, x) if use else g(x)
        F.sum(y * y).backward()
        out.append((y.array, x.grad))
    for a, b in zip(*out):
        numpy.testing.assert_array_equal(a, b)


def test_bad_input():
    x = numpy.zeros((2, 3))
    with pytest.raises(rechain.InvalidType, match=r"as_strided: shape \(3, 3\), strides \(2, 1\) "
                                                   r"and storage_offset 0 reach elements 0 to 6, "
                                                   r"outside x of shape \(2, 3\) \(6 elements\)"):
        F.as_strided(x, (3, 3), (2, 1))
    with pytest.raises(ValueError, match=r"as_strided: strides must be 2 ints"):
        F.as_strided(x, (3, 3), (1,))
    with pytest.raises(ValueError, match="as_strided: storage_offset must be a non-negative int"):
        F.as_strided(x, (2,), (1,), -1)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.int16, numpy.int64])
def test_stride_array_helper_on_ndarrays(dtype):
    from rechain.functions.array.as_strided import _stride_array
    x = numpy.arange(8, dtype=dtype)
    y = _stride_array(x, (3, 3), (-1, 2), 3)
    numpy.testing.assert_array_equal(y, numpy.array([[3, 5, 7], [2, 4, 6], [1, 3, 5]], dtype))
    assert y.dtype == dtype and isinstance(y, numpy.ndarray)
    numpy.testing.assert_array_equal(_stride_array(x, (4,), (-1,), 3), x[3::-1])
    b = numpy.arange(12, dtype=dtype).reshape(3, 4)
    numpy.testing.assert_array_equal(_stride_array(b, (2, 3, 4), (0, 4, 1), 0),
                                     numpy.broadcast_to(b, (2, 3, 4)))
    # C order of the view's elements (Chainer would read the buffer of x[::-1])
    numpy.testing.assert_array_equal(_stride_array(b[::-1], (12,), (1,), 0), b[::-1].ravel())
    with pytest.raises(ValueError, match=r"_stride_array: .* reach elements -1 to 5"):
        _stride_array(x, (3, 3), (-1, 2), 1)
    numpy.testing.assert_array_equal(F.as_strided(x.astype(numpy.float32), (3, 3), (-1, 2),
                                                  3).array, y)

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
                                                   r"outside the buffer of x \(6 elements; x of "
                                                   r"shape \(2, 3\)\)"):
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
    # the buffer of a view, not its elements in C order (Chainer's)
    numpy.testing.assert_array_equal(_stride_array(b[::-1], (12,), (1,), 0), b.ravel())
    assert numpy.shares_memory(_stride_array(b[::-1], (12,), (1,), 0), b)
    with pytest.raises(ValueError, match=r"_stride_array: .* reach elements -1 to 5"):
        _stride_array(x, (3, 3), (-1, 2), 1)
    numpy.testing.assert_array_equal(F.as_strided(x.astype(numpy.float32), (3, 3), (-1, 2),
                                                  3).array, y)


# -- the buffer of a view (Chainer's semantics) ----------------------------------------

def test_a_view_is_strided_over_its_buffer():
    base = numpy.arange(12.0).reshape(3, 4)
    x = rechain.Variable(base[::-1])
    y = F.as_strided(x, (12,), (1,), 0)
    numpy.testing.assert_array_equal(y.array, numpy.arange(12.0))
    assert numpy.shares_memory(y.array, base)          # a view, as Chainer's
    F.sum(y * numpy.arange(12.0)).backward()
    # element [i, j] of x is buffer element 4 * (2 - i) + j
    numpy.testing.assert_array_equal(x.grad, numpy.arange(12.0).reshape(3, 4)[::-1])


def test_offset_defaults_to_the_views_first_element_and_may_read_outside_it():
    base = numpy.arange(8.0)
    x = rechain.Variable(base[2:5])
    numpy.testing.assert_array_equal(F.as_strided(x, (3,), (1,)).array, [2.0, 3.0, 4.0])
    y = F.as_strided(x, (4,), (2,), 0)       # buffer elements 0, 2, 4, 6
    numpy.testing.assert_array_equal(y.array, [0.0, 2.0, 4.0, 6.0])
    F.sum(y).backward()
    numpy.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])   # only x's elements get some


def test_an_overlapping_input_shares_its_gradient():
    a = numpy.arange(3.0)
    x = rechain.Variable(numpy.broadcast_to(a, (2, 3)))   # two elements at each position
    y = F.as_strided(x, (3,), (1,), 0)
    numpy.testing.assert_array_equal(y.array, a)
    F.sum(y * numpy.array([1.0, 2.0, 3.0])).backward()
    numpy.testing.assert_array_equal(x.grad, [[0.5, 1.0, 1.5], [0.5, 1.0, 1.5]])


def test_double_backward_on_a_view(rng):
    from rechain import gradient_check
    x = rng.normal(size=(4, 3))
    gy = rng.normal(size=(3, 3))
    ggx = rng.normal(size=(4, 3))

    def f(v):
        # F.transpose gives a view of v: as_strided reads v's buffer, not the
        # transpose's elements in C order
        return F.as_strided(F.transpose(v), (3, 3), (2, 1), 1)

    numpy.testing.assert_array_equal(f(x).array, numpy.lib.stride_tricks.as_strided(
        x.ravel()[1:], (3, 3), (2 * x.itemsize, x.itemsize)))
    gradient_check.check_backward(f, x, gy)
    gradient_check.check_double_backward(f, x, gy, ggx)


@pytest.mark.parametrize("dtype", [numpy.int16, numpy.int64])
def test_integer_gradient_is_a_type_error(dtype):
    x = rechain.Variable(numpy.arange(4, dtype=dtype))
    y = F.as_strided(x, (4,), (-1,), 3)
    y.grad = numpy.ones(4, dtype)
    with pytest.raises(TypeError, match=f"as_strided: only float gradients are supported, "
                                        f"got {numpy.dtype(dtype)}"):
        rechain.grad([y], [x])


def test_under_a_budget_equals_plain(rng):
    from rechain.recompute import eviction
    x_data = rng.normal(size=(64, 64)).astype(numpy.float32)

    def run(limit):
        x = rechain.Variable(x_data)
        with eviction.budget(limit) as b:
            h = x
            for _ in range(8):
                h = F.tanh(F.as_strided(F.transpose(F.sin(h)), (64, 64), (64, 1), 0))
            F.sum(h * h).backward()
        return (h.array, x.grad), b.stats

    plain, _ = run(2 ** 40)
    got, stats = run(100_000)
    assert stats["evictions"] > 0 and stats["recomputations"] > 0
    for a, b in zip(plain, got):
        numpy.testing.assert_array_equal(a, b)


@pytest.mark.gpu
def test_gpu_views_and_gradients_match_numpy():
    cp = rechain.backend.cupy
    base = numpy.arange(12.0).reshape(3, 4)
    cases = [(lambda b: b[::-1], (12,), (1,), 0), (lambda b: b[:, 1:], (2, 3), (4, 1), None),
             (lambda b: b, (2, 3, 4), (0, 4, 1), 0)]
    for view, shape, strides, offset in cases:
        got = []
        for xp_base in (base, cp.asarray(base)):
            x = rechain.Variable(view(xp_base))
            y = F.as_strided(x, shape, strides, offset)
            F.sum(y * y).backward()
            got.append((rechain.backend.to_cpu(y.array), rechain.backend.to_cpu(x.grad)))
        for a, b in zip(*got):
            numpy.testing.assert_array_equal(a, b)

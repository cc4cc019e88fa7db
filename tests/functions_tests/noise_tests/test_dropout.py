import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

DTYPES = [numpy.float16, numpy.float32, numpy.float64]


def _mask(shape, ratio, dtype=numpy.float32):
    _, mask = F.dropout(numpy.ones(shape, dtype), ratio, return_mask=True)
    return mask


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_forward_values(dtype, shape):
    x = numpy.asarray(numpy.random.default_rng(0).normal(size=shape), dtype=dtype)
    y, mask = F.dropout(x, 0.4, return_mask=True)
    assert y.dtype == dtype and y.shape == shape
    assert mask.dtype == dtype and mask.shape == shape
    scale = dtype(1 / 0.6)
    assert set(numpy.unique(mask).tolist()) <= {0.0, float(scale)}
    numpy.testing.assert_array_equal(y.array, x * mask)


def test_same_seed_same_mask_and_draws_differ():
    rechain.random.seed(123)
    a = _mask((50,), 0.5)
    b = _mask((50,), 0.5)
    rechain.random.seed(123)
    a2 = _mask((50,), 0.5)
    numpy.testing.assert_array_equal(a, a2)
    assert not numpy.array_equal(a, b)


def test_get_state_set_state_reproduces_mask():
    rechain.random.seed(7)
    _mask((10,), 0.5)
    state = rechain.random.get_state()
    m1 = _mask((100,), 0.3)
    m2 = _mask((100,), 0.3)
    rechain.random.set_state(state)
    numpy.testing.assert_array_equal(_mask((100,), 0.3), m1)
    numpy.testing.assert_array_equal(_mask((100,), 0.3), m2)


@pytest.mark.parametrize("ratio", [0.1, 0.5, 0.9])
def test_expected_fraction_kept(ratio):
    n = 200_000
    mask = _mask((n,), ratio)
    kept = float((mask != 0).mean())
    # 5 standard deviations of a binomial proportion
    assert abs(kept - (1 - ratio)) < 5 * numpy.sqrt(ratio * (1 - ratio) / n)
    # the scale keeps the expectation: mean of the mask is ~1
    assert abs(float(mask.mean()) - 1.0) < 0.02


def test_ratio_zero_keeps_everything():
    x = numpy.arange(6, dtype=numpy.float32)
    numpy.testing.assert_array_equal(F.dropout(x, 0.0).array, x)


def test_test_mode_is_identity():
    x = rechain.Variable(numpy.arange(6, dtype=numpy.float32))
    state = rechain.random.get_state()
    with rechain.using_config("train", False):
        y = F.dropout(x, 0.5)
        y2, mask = F.dropout(x, 0.5, return_mask=True)
        ya = F.dropout(x.array, 0.5)
    assert y is x and y2 is x and mask is None
    assert isinstance(ya, rechain.Variable)
    numpy.testing.assert_array_equal(ya.array, x.array)
    assert rechain.random.get_state() == state  # test mode draws nothing


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_gradient_is_gy_times_mask_times_scale(dtype):
    x = rechain.Variable(numpy.random.default_rng(0).normal(size=(4, 5)).astype(dtype))
    y, mask = F.dropout(x, 0.25, return_mask=True)
    gy = numpy.random.default_rng(1).normal(size=(4, 5)).astype(dtype)
    y.grad = gy
    y.backward()
    keep = (mask != 0).astype(dtype)
    assert keep.sum() > 0 and keep.sum() < keep.size
    numpy.testing.assert_allclose(x.grad, gy * keep * dtype(1 / 0.75), rtol=1e-6)
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_gradient_checks_with_given_mask(dtype):
    rng = numpy.random.default_rng(2)
    x, gy, ggx = (rng.normal(size=(3, 4)).astype(dtype) for _ in range(3))
    mask = _mask((3, 4), 0.5, dtype)

    def f(v):
        return F.dropout(v, 0.5, mask=mask)
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, x, gy, **tol)
    gradient_check.check_double_backward(f, x, gy, ggx, **tol)


def test_given_mask_is_used_and_draws_nothing():
    x = numpy.ones((2, 3), numpy.float32)
    mask = numpy.array([[0, 2, 2], [2, 0, 0]], numpy.float32)
    state = rechain.random.get_state()
    y, m = F.dropout(x, 0.5, mask=mask, return_mask=True)
    assert m is mask
    numpy.testing.assert_array_equal(y.array, mask)
    assert rechain.random.get_state() == state


def test_mask_is_a_retained_input_not_an_attribute():
    x = rechain.Variable(numpy.ones((2, 3), numpy.float32))
    y, mask = F.dropout(x, 0.5, return_mask=True)
    f = y.creator
    kinds = [(k, i) for k, i, _ in rechain.function_node.retained_arrays(f)]
    assert kinds == [("input", 1)]
    kept = f.get_retained_inputs()[0].array
    # a drawn mask is kept as booleans (a quarter of a float32 mask's bytes)
    assert kept.dtype == numpy.bool_ and kept.nbytes == mask.size
    numpy.testing.assert_array_equal(kept, mask != 0)
    assert not any(isinstance(v, numpy.ndarray) for v in vars(f).values())


def test_drawn_mask_gives_the_products_of_the_scaled_float_mask():
    x = rechain.Variable(numpy.random.default_rng(0).normal(size=(40, 30)).astype("f"))
    rechain.random.seed(3)
    y, mask = F.dropout(x, 0.3, return_mask=True)
    y2 = F.dropout(x, 0.3, mask=mask)
    numpy.testing.assert_array_equal(y.array, y2.array)
    gy = numpy.random.default_rng(1).normal(size=(40, 30)).astype("f")
    gx1, = rechain.grad([y], [x], [gy])
    gx2, = rechain.grad([y2], [x], [gy])
    numpy.testing.assert_array_equal(gx1.array, gx2.array)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5])
def test_ratio_out_of_range_raises(ratio):
    with pytest.raises(ValueError, match=rf"dropout: ratio must be a float in \[0, 1\), "
                                         rf"got {ratio}"):
        F.dropout(numpy.ones(3, numpy.float32), ratio)


def test_bad_mask_shape_raises():
    with pytest.raises(rechain.InvalidType, match=r"dropout: mask must be a float array of x's "
                                                   r"shape \(2, 3\), got shape \(3,\) and "
                                                   r"dtype float32"):
        F.dropout(numpy.ones((2, 3), numpy.float32), mask=numpy.ones(3, numpy.float32))


def test_integer_input_raises():
    with pytest.raises(rechain.InvalidType, match=r"dropout: x must have a floating-point dtype, "
                                                   r"got int64 \(shape \(3,\)\)"):
        F.dropout(numpy.ones(3, numpy.int64))


@pytest.mark.gpu
def test_dropout_gpu_reproducible():
    cp = rechain.backend.cupy
    x = cp.ones((100,), cp.float32)
    rechain.random.seed(5)
    _, m1 = F.dropout(x, 0.5, return_mask=True)
    rechain.random.seed(5)
    _, m2 = F.dropout(x, 0.5, return_mask=True)
    assert isinstance(m1, cp.ndarray)
    cp.testing.assert_array_equal(m1, m2)


def _block(x, w):
    h = F.dropout(x * w, 0.5)
    return F.dropout(F.relu(h) * w, 0.3)


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forget_recomputes_the_same_mask(dtype):
    rng = numpy.random.default_rng(3)
    x_data = rng.normal(size=(4, 6)).astype(dtype)
    w_data = rng.normal(size=(4, 6)).astype(dtype)
    results = []
    for use_forget in (False, True):
        rechain.random.seed(11)
        x, w = rechain.Variable(x_data.copy()), rechain.Variable(w_data.copy())
        y = F.forget(_block, x, w) if use_forget else _block(x, w)
        after = rechain.random.get_state()
        F.sum(y * y).backward()
        # the stream after backward is as if no recompute had happened
        assert rechain.random.get_state() == after
        results.append((y.array, x.grad, w.grad))
    for a, b in zip(*results):
        numpy.testing.assert_array_equal(a, b)


# -- Chainer's node, applied directly: Dropout(ratio).apply((x,)) ---------------------

Dropout = F.noise.dropout.Dropout


def test_chainer_node_draws_once_and_reuses_its_mask():
    x = numpy.random.default_rng(0).normal(size=(30, 20)).astype(numpy.float32)
    rechain.random.seed(4)
    node = Dropout(0.3)
    assert node.mask is None and node.dropout_ratio == 0.3
    y1, = node.apply((x,))
    state = rechain.random.get_state()
    y2, = node.apply((x,))
    assert rechain.random.get_state() == state      # the second apply draws nothing
    numpy.testing.assert_array_equal(y1.array, y2.array)
    mask = node.mask
    assert mask.dtype == numpy.float32 and mask.shape == x.shape
    assert set(numpy.unique(mask).tolist()) == {0.0, float(numpy.float32(1 / 0.7))}
    numpy.testing.assert_array_equal(y1.array, x * mask)
    # the draw is the one F.dropout makes from the same stream position
    rechain.random.seed(4)
    _, mask_f = F.dropout(x, 0.3, return_mask=True)
    numpy.testing.assert_array_equal(mask, mask_f)


def test_chainer_node_with_a_given_mask_draws_nothing():
    x = numpy.ones((2, 3), numpy.float32)
    mask = numpy.array([[0, 2, 2], [2, 0, 0]], numpy.float32)
    state = rechain.random.get_state()
    node = Dropout(0.5, mask)
    y, = node.apply((x,))
    assert node.mask is mask and rechain.random.get_state() == state
    numpy.testing.assert_array_equal(y.array, mask)


@pytest.mark.parametrize("ratio", [-0.1, 1.0])
def test_chainer_node_ratio_out_of_range_raises(ratio):
    with pytest.raises(ValueError, match=r"dropout: ratio must be a float in \[0, 1\)"):
        Dropout(ratio)


@pytest.mark.parametrize("dtype", DTYPES)
def test_chainer_node_gradient_checks(dtype):
    rng = numpy.random.default_rng(5)
    x, gy, ggx = (rng.uniform(-1, 1, (3, 4)).astype(dtype) for _ in range(3))
    node = Dropout(0.4)

    def f(v):
        return node.apply((v,))

    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, x, gy, **tol)
    gradient_check.check_double_backward(f, x, gy, ggx, **tol)


def test_creator_mask_of_f_dropout_is_the_scaled_mask():
    x = rechain.Variable(numpy.random.default_rng(6).normal(size=(5, 7)).astype(numpy.float16))
    y, mask = F.dropout(x, 0.25, return_mask=True)
    m = y.creator.mask
    assert m.dtype == numpy.float16
    numpy.testing.assert_array_equal(m, mask)
    numpy.testing.assert_array_equal(y.array, x.array * m)
    y2 = F.dropout(x, 0.25, mask=mask)
    assert y2.creator.mask is mask


def _chainer_block(x, w):
    h = Dropout(0.5).apply((F.matmul(x, w),))[0]
    return Dropout(0.2).apply((F.tanh(F.matmul(h, w)),))[0]


def _run_chainer_blocks(mode, limit=None):
    from rechain.recompute import eviction
    rng = numpy.random.default_rng(7)
    x_data, w_data = (rng.normal(size=(64, 64)).astype(numpy.float32) for _ in range(2))
    rechain.random.seed(12)
    x, w = rechain.Variable(x_data), rechain.Variable(w_data)
    stats = None
    if mode == "budget":
        with eviction.budget(limit) as b:
            y = _chainer_block(_chainer_block(x, w), w)
            F.sum(y * y).backward()
        stats = b.stats
    else:
        block = (lambda a, b: F.forget(_chainer_block, a, b)) if mode == "forget" \
            else _chainer_block
        y = block(block(x, w), w)
        after = rechain.random.get_state()
        F.sum(y * y).backward()
        assert rechain.random.get_state() == after   # a replay leaves the stream as it was
    return (y.array, x.grad, w.grad), stats


@pytest.mark.parametrize("mode", ["forget", "budget"])
def test_chainer_node_under_forget_and_budget_equals_plain(mode):
    plain, _ = _run_chainer_blocks("plain")
    got, stats = _run_chainer_blocks(mode, limit=170_000)
    if mode == "budget":
        assert stats["evictions"] > 0 and stats["recomputations"] > 0
    for a, b in zip(plain, got):
        numpy.testing.assert_array_equal(a, b)

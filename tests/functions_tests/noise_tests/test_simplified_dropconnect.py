import numpy
import pytest

import rechain
import rechain.functions as F


def _ref(x, W, b, mask, ratio, batchwise):
    x = x.reshape(len(x), -1)
    Wm = W * mask / (1 - ratio)
    y = numpy.einsum("ijk,ik->ij", Wm, x) if batchwise else x @ Wm.T
    return y if b is None else y + b


@pytest.mark.parametrize("batchwise", [True, False])
@pytest.mark.parametrize("with_b", [True, False])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_forward(batchwise, with_b, dtype):
    rng = numpy.random.default_rng(0)
    x = rng.normal(size=(4, 2, 3)).astype(dtype)
    W = rng.normal(size=(5, 6)).astype(dtype)
    b = rng.normal(size=5).astype(dtype) if with_b else None
    mshape = (4, 5, 6) if batchwise else (5, 6)
    mask = rng.uniform(size=mshape) >= 0.4
    y = F.simplified_dropconnect(x, W, b, ratio=0.4, mask=mask, use_batchwise_mask=batchwise)
    assert y.dtype == dtype and y.shape == (4, 5)
    numpy.testing.assert_allclose(y.array, _ref(x, W, b, mask, 0.4, batchwise), rtol=1e-5,
                                  atol=1e-6)


def test_drawn_mask_drops_about_ratio_and_test_mode_is_linear():
    x = numpy.ones((200, 50))
    W = numpy.ones((30, 50))
    y = F.simplified_dropconnect(x, W, ratio=0.25).array
    # each output is (kept count) / 0.75; its mean over many draws is 50
    assert abs(y.mean() - 50) < 0.5 and y.std() > 1
    y = F.simplified_dropconnect(x, W, ratio=0.25, train=False).array
    numpy.testing.assert_array_equal(y, numpy.full((200, 30), 50.0))


@pytest.mark.parametrize("batchwise", [True, False])
def test_gradients(check_grads, batchwise):
    rng = numpy.random.default_rng(1)
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 4)), rng.normal(size=2)
    mask = rng.uniform(size=(3, 2, 4) if batchwise else (2, 4)) >= 0.5
    check_grads(lambda x, W, b: F.simplified_dropconnect(
        x, W, b, ratio=0.5, mask=mask, use_batchwise_mask=batchwise), (x, W, b))


def test_forget_gives_plain_outputs_and_gradients(forget_matches_plain):
    rng = numpy.random.default_rng(2)
    x, W, b = rng.normal(size=(3, 4)), rng.normal(size=(2, 4)), rng.normal(size=2)
    rechain.random.seed(3)
    forget_matches_plain(lambda x, W, b: F.simplified_dropconnect(x, W, b, ratio=0.3),
                         (x, W, b))


def test_bad_input():
    x, W = numpy.zeros((2, 3), numpy.float32), numpy.zeros((4, 5), numpy.float32)
    f = F.simplified_dropconnect
    with pytest.raises(rechain.InvalidType, match=r"simplified_dropconnect: x's size per example "
                                                   r"\(3, from shape \(2, 3\)\) must equal "
                                                   r"W.shape\[1\], got W \(4, 5\)"):
        f(x, W)
    with pytest.raises(rechain.InvalidType, match=r"simplified_dropconnect: mask must have shape "
                                                   r"\(2, 4, 3\), got \(4, 3\)"):
        f(x, W[:, :3], mask=numpy.ones((4, 3)))
    with pytest.raises(rechain.InvalidType, match=r"simplified_dropconnect: b must have shape "
                                                   r"\(4,\), got \(3,\)"):
        f(x, W[:, :3], numpy.zeros(3, numpy.float32))
    with pytest.raises(ValueError, match=r"simplified_dropconnect: ratio must be a float in "
                                         r"\[0, 1\), got 1"):
        f(x, W[:, :3], ratio=1)


@pytest.mark.parametrize("batchwise", [True, False])
@pytest.mark.parametrize("xd,wd", [(numpy.float16, numpy.float64), (numpy.float64, numpy.float32),
                                   (numpy.float32, numpy.float16)])
def test_mixed_dtypes_compute_in_the_promoted_dtype_and_return_x_dtype(batchwise, xd, wd):
    rng = numpy.random.default_rng(4)
    x = rng.normal(size=(4, 3)).astype(xd)
    W = rng.normal(size=(2, 3)).astype(wd)
    b = rng.normal(size=2).astype(xd)
    mask = rng.uniform(size=(4, 2, 3) if batchwise else (2, 3)) >= 0.5
    vx, vW, vb = rechain.Variable(x), rechain.Variable(W), rechain.Variable(b)
    y = F.simplified_dropconnect(vx, vW, vb, ratio=0.5, mask=mask, use_batchwise_mask=batchwise)
    assert y.dtype == xd and y.shape == (4, 2)
    ct = numpy.result_type(xd, wd)
    expected = _ref(x.astype(ct), W.astype(ct), b.astype(ct), mask, 0.5, batchwise).astype(xd)
    numpy.testing.assert_allclose(y.array, expected, rtol=1e-3, atol=1e-3)
    F.sum(y).backward()
    assert vx.grad.dtype == xd and vW.grad.dtype == wd and vb.grad.dtype == xd
    # d sum(y) / dx = sum over outputs of the masked weights, / dW = mask * x / (1 - ratio)
    m = mask.astype(numpy.float64) / 0.5
    gx = (numpy.einsum("ijk->ik", m * W) if batchwise else
          numpy.broadcast_to((m * W).sum(0), (4, 3)))
    gW = (numpy.einsum("ijk,ik->jk", numpy.broadcast_to(m, (4, 2, 3)), x) if batchwise
          else m * x.astype(numpy.float64).sum(0))
    numpy.testing.assert_allclose(vx.grad, gx, rtol=1e-2, atol=1e-2)
    numpy.testing.assert_allclose(vW.grad, gW, rtol=1e-2, atol=1e-2)
    numpy.testing.assert_array_equal(vb.grad, numpy.full(2, 4, xd))


def test_mixed_dtypes_numerical_double_backward_and_forget(forget_matches_plain):
    rng = numpy.random.default_rng(5)
    x = rng.normal(size=(3, 4)).astype(numpy.float32)
    W, b = rng.normal(size=(2, 4)), rng.normal(size=2).astype(numpy.float32)
    mask = rng.uniform(size=(3, 2, 4)) >= 0.5
    f = lambda x, W, b: F.simplified_dropconnect(x, W, b, ratio=0.5, mask=mask)  # noqa: E731
    gy = rng.normal(size=(3, 2)).astype(numpy.float32)
    rechain.gradient_check.check_backward(f, (x, W, b), gy, dtype=numpy.float64, atol=1e-3,
                                          rtol=1e-3)
    gg = (rng.normal(size=(3, 4)).astype(numpy.float32), rng.normal(size=(2, 4)),
          rng.normal(size=2).astype(numpy.float32))
    rechain.gradient_check.check_double_backward(f, (x, W, b), gy, gg, dtype=numpy.float64,
                                                 atol=1e-3, rtol=1e-3)
    forget_matches_plain(f, (x, W, b))


def test_bias_must_have_x_dtype():
    with pytest.raises(rechain.InvalidType, match=r"simplified_dropconnect: .*x.*b"):
        F.simplified_dropconnect(numpy.zeros((2, 3), numpy.float32),
                                 numpy.zeros((4, 3), numpy.float64), numpy.zeros(4, numpy.float64))


@pytest.mark.parametrize("batchwise", [True, False])
@pytest.mark.parametrize("train,ratio", [(True, 0.6), (True, 0.0), (False, 0.6)])
def test_creator_is_the_node_with_its_mask(batchwise, train, ratio):
    rng = numpy.random.default_rng(6)
    x = rng.normal(size=(4, 3)).astype(numpy.float16)
    W = rng.normal(size=(2, 3))
    y = F.simplified_dropconnect(rechain.Variable(x), rechain.Variable(W), None, ratio, train,
                                 None, batchwise)
    node = y.creator
    assert type(node).__name__ == "SimplifiedDropconnect"
    assert node.mask.shape == ((4, 2, 3) if batchwise else (2, 3))
    assert node.mask.dtype == numpy.bool_
    if not train or ratio == 0:
        assert node.mask.all()
        numpy.testing.assert_allclose(y.array, (x.astype(numpy.float64) @ W.T).astype(
            numpy.float16), rtol=1e-3, atol=1e-3)
    else:
        expected = _ref(x.astype(numpy.float64), W, None, node.mask, ratio, batchwise)
        numpy.testing.assert_allclose(y.array, expected.astype(numpy.float16), rtol=1e-3,
                                      atol=1e-3)


@pytest.mark.parametrize("batchwise", [True, False])
def test_gradients_without_a_mask_in_test_mode_and_of_nd_x(check_grads, batchwise):
    rng = numpy.random.default_rng(7)
    x, W, b = rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 4)), rng.normal(size=2)
    check_grads(lambda x, W, b: F.simplified_dropconnect(
        x, W, b, ratio=0.5, train=False, use_batchwise_mask=batchwise), (x, W, b))
    mask = rng.uniform(size=(3, 2, 4) if batchwise else (2, 4)) >= 0.5
    check_grads(lambda x, W: F.simplified_dropconnect(
        x, W, ratio=0.2, mask=mask, use_batchwise_mask=batchwise), (x, W))

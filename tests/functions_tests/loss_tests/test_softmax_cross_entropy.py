import itertools

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check

DTYPES = [numpy.float32, numpy.float64]
SHAPES = [(4, 3), (2, 3, 2)]  # (N, C) and (N, C, d1)
# the three ways the loss is computed
PATHS = {
    "fused": {},
    "fused_no_cache": {"cache_score": False},
    "composite": {"enable_double_backprop": True},
}


def _ref(x, t, normalize=True, class_weight=None, ignore_label=-1, reduce="mean"):
    x = x.astype(numpy.float64)
    m = x.max(axis=1, keepdims=True)
    log_y = x - m - numpy.log(numpy.exp(x - m).sum(axis=1, keepdims=True))
    log_y = numpy.moveaxis(log_y, 1, -1)  # (N, d..., C)
    loss = numpy.zeros(t.shape)
    for idx in itertools.product(*(range(s) for s in t.shape)):
        label = t[idx]
        if label == ignore_label:
            continue
        w = 1.0 if class_weight is None else class_weight[label]
        loss[idx] = -w * log_y[idx][label]
    if reduce == "no":
        return loss
    count = (t != ignore_label).sum() if normalize else t.shape[0]
    return loss.sum() / max(count, 1)


def _data(shape, dtype, seed=0, ignore=True):
    rng = numpy.random.default_rng(seed)
    x = rng.normal(size=shape).astype(dtype)
    t_shape = shape[:1] + shape[2:]
    t = rng.integers(0, shape[1], t_shape).astype(numpy.int32)
    if ignore:
        t.reshape(-1)[1] = -1
    return x, t


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["mean", "no"])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_forward(path, shape, dtype, reduce, normalize, weighted):
    x, t = _data(shape, dtype)
    w = numpy.array([0.5, 2.0, 1.5], dtype) if weighted else None
    y = F.softmax_cross_entropy(x, t, normalize=normalize, class_weight=w, reduce=reduce,
                                **PATHS[path])
    want = _ref(x, t, normalize, w, reduce=reduce)
    assert y.dtype == dtype and y.shape == numpy.shape(want)
    assert isinstance(y.array, numpy.ndarray)
    numpy.testing.assert_allclose(y.array, want, rtol=1e-5, atol=1e-6)
    if reduce == "no":
        assert (y.array.reshape(-1)[1] == 0)  # the ignored position


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_backward_and_double_backward(path, shape, dtype, reduce):
    x, t = _data(shape, dtype, 1)
    w = numpy.array([0.5, 2.0, 1.5], dtype) if shape == (4, 3) else None
    rng = numpy.random.default_rng(2)
    out_shape = (1,) if reduce == "mean" else t.shape
    gy = rng.normal(size=out_shape).astype(dtype)
    ggx = rng.normal(size=shape).astype(dtype)

    def f(v):
        y = F.softmax_cross_entropy(v, t, class_weight=w, reduce=reduce, **PATHS[path])
        # a 0-d output gradient cannot be perturbed by gradient_check: use (1,)
        return F.reshape(y, (1,)) if reduce == "mean" else y
    tol = {} if dtype == numpy.float64 else {"atol": 1e-2, "rtol": 1e-2}
    gradient_check.check_backward(f, x, gy, **tol)
    gradient_check.check_double_backward(f, x, gy, ggx, **tol)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_gradient_values(path):
    x, t = _data((3, 4), numpy.float64, 3)
    xv = rechain.Variable(x)
    F.softmax_cross_entropy(xv, t, **PATHS[path]).backward()
    s = numpy.exp(x) / numpy.exp(x).sum(axis=1, keepdims=True)
    onehot = numpy.eye(4)[numpy.where(t < 0, 0, t)]
    valid = (t != -1)[:, None]
    numpy.testing.assert_allclose(xv.grad, (s - onehot) * valid / valid.sum(), rtol=1e-12)


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_double_backprop_path_gives_same_first_order_gradient(path, reduce):
    # The fused node's backward has a fast array path and a differentiable path
    # (taken when the backward is recorded); both must agree.
    x, t = _data((2, 3, 2), numpy.float64, 6)
    xv = rechain.Variable(x)
    gy = numpy.random.default_rng(7).normal(size=() if reduce == "mean" else t.shape)
    outs = []
    for double in (False, True):
        y = F.softmax_cross_entropy(xv, t, reduce=reduce, **PATHS[path])
        gx, = rechain.grad([y], [xv], [rechain.Variable(gy)], enable_double_backprop=double)
        outs.append(gx.array)
    numpy.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_second_derivative_values(path):
    # d/dx <ggx, grad_x L> for one example, L = -log softmax(x)[t]: the softmax
    # Jacobian applied to ggx, diag(s) ggx - s (s . ggx).
    x = numpy.array([[0.3, -1.2, 2.0]])
    t = numpy.array([2], numpy.int32)
    ggx = numpy.array([[1.0, -2.0, 0.5]])
    xv = rechain.Variable(x)
    loss = F.softmax_cross_entropy(xv, t, **PATHS[path])
    gx, = rechain.grad([loss], [xv], enable_double_backprop=True)
    F.sum(gx * ggx).backward()
    s = numpy.exp(x) / numpy.exp(x).sum()
    numpy.testing.assert_allclose(xv.grad, s * ggx - s * (s * ggx).sum(), rtol=1e-12)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_large_inputs_stay_finite(path):
    x = numpy.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]], numpy.float32)
    t = numpy.array([0, 2], numpy.int32)
    xv = rechain.Variable(x)
    loss = F.softmax_cross_entropy(xv, t, **PATHS[path])
    numpy.testing.assert_allclose(loss.array, 500.0)
    loss.backward()
    assert numpy.isfinite(xv.grad).all()


def test_all_ignored_gives_zero_loss_and_gradient():
    x = rechain.Variable(numpy.ones((2, 3), numpy.float32))
    loss = F.softmax_cross_entropy(x, numpy.array([-1, -1], numpy.int32))
    assert loss.array == 0
    loss.backward()
    numpy.testing.assert_array_equal(x.grad, numpy.zeros((2, 3)))


def test_custom_ignore_label():
    x, t = _data((4, 3), numpy.float64, 4, ignore=False)
    t[2] = 7
    y = F.softmax_cross_entropy(x, t, ignore_label=7)
    numpy.testing.assert_allclose(y.array, _ref(x, t, ignore_label=7), rtol=1e-12)


def test_cache_score_retains_softmax_not_x():
    x = rechain.Variable(numpy.zeros((2, 3), numpy.float32))
    t = numpy.array([0, 1], numpy.int32)
    f = F.softmax_cross_entropy(x, t).creator
    kinds = sorted((k, i) for k, i, _ in rechain.function_node.retained_arrays(f))
    assert kinds == [("input", 1), ("output", 1)]
    f = F.softmax_cross_entropy(x, t, cache_score=False).creator
    kinds = sorted((k, i) for k, i, _ in rechain.function_node.retained_arrays(f))
    assert kinds == [("input", 0), ("input", 1)]


def test_creator_y_is_the_cached_softmax_or_none():
    rng = numpy.random.default_rng(0)
    x = rechain.Variable(rng.normal(size=(4, 3)))
    t = numpy.array([0, 1, 2, 1], numpy.int32)
    loss = F.softmax_cross_entropy(x, t)
    e = numpy.exp(x.array - x.array.max(1, keepdims=True))
    numpy.testing.assert_allclose(loss.creator.y, e / e.sum(1, keepdims=True), rtol=1e-12)
    assert F.softmax_cross_entropy(x, t, cache_score=False).creator.y is None
    # inside F.forget the score is kept by the forget region and still readable
    seen = []

    def f(x):
        loss = F.softmax_cross_entropy(x, t)
        seen.append(loss.creator)
        return loss
    F.forget(f, x).backward()
    numpy.testing.assert_allclose(seen[0].y, e / e.sum(1, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("soft_target_loss", ["cross-entropy", "kl-divergence"])
@pytest.mark.parametrize("reduce", ["mean", "no"])
def test_soft_targets(soft_target_loss, reduce):
    rng = numpy.random.default_rng(5)
    x = rng.normal(size=(3, 4))
    t = rng.uniform(0.1, 1, (3, 4))
    t /= t.sum(axis=1, keepdims=True)
    y = F.softmax_cross_entropy(x, t, reduce=reduce, soft_target_loss=soft_target_loss)
    log_y = x - numpy.log(numpy.exp(x).sum(axis=1, keepdims=True))
    want = -(t * log_y).sum(axis=1)
    if soft_target_loss == "kl-divergence":
        want += (t * numpy.log(t)).sum(axis=1)
    if reduce == "mean":
        want = want.mean()
    numpy.testing.assert_allclose(y.array, want, rtol=1e-12)
    gradient_check.check_backward(
        lambda v: F.softmax_cross_entropy(v, t, reduce="no", soft_target_loss=soft_target_loss),
        x, rng.normal(size=(3,)))


# -- bad input ------------------------------------------------------------------

def test_t_of_wrong_shape_raises():
    with pytest.raises(rechain.InvalidType,
                       match=r"softmax_cross_entropy: t of shape \(3,\) does not match x of "
                             r"shape \(4, 5\); t must have shape \(4,\)"):
        F.softmax_cross_entropy(numpy.zeros((4, 5), numpy.float32), numpy.zeros(3, numpy.int32))


def test_t_of_wrong_shape_with_spatial_axes_raises():
    with pytest.raises(rechain.InvalidType,
                       match=r"softmax_cross_entropy: t of shape \(2, 3\) does not match x of "
                             r"shape \(2, 5, 4\); t must have shape \(2, 4\)"):
        F.softmax_cross_entropy(numpy.zeros((2, 5, 4), numpy.float32),
                                numpy.zeros((2, 3), numpy.int32))


def test_float_t_raises():
    with pytest.raises(rechain.InvalidType,
                       match=r"softmax_cross_entropy: t must hold integer class labels, got "
                             r"dtype float32 \(shape \(4,\)\)"):
        F.softmax_cross_entropy(numpy.zeros((4, 5), numpy.float32), numpy.zeros(4, numpy.float32))


def test_label_out_of_range_names_position():
    t = numpy.array([0, 1, 5, 2], numpy.int32)
    with pytest.raises(rechain.InvalidType,
                       match=r"softmax_cross_entropy: label t\[2\]=5 is out of range for x of "
                             r"shape \(4, 5\) with 5 classes; labels must be in \[0, 5\) or "
                             r"equal ignore_label=-1"):
        F.softmax_cross_entropy(numpy.zeros((4, 5), numpy.float32), t)


def test_negative_label_other_than_ignore_raises_with_nd_position():
    t = numpy.zeros((2, 3), numpy.int32)
    t[1, 2] = -2
    with pytest.raises(rechain.InvalidType, match=r"label t\[1, 2\]=-2 is out of range"):
        F.softmax_cross_entropy(numpy.zeros((2, 4, 3), numpy.float32), t)


def test_x_of_one_dimension_raises():
    with pytest.raises(rechain.InvalidType, match=r"softmax_cross_entropy: x must have at least 2 "
                                                   r"dimensions \(N, C, ...\), got shape \(5,\)"):
        F.softmax_cross_entropy(numpy.zeros(5, numpy.float32), numpy.zeros(5, numpy.int32))


def test_class_weight_of_wrong_shape_raises():
    with pytest.raises(rechain.InvalidType, match=r"softmax_cross_entropy: class_weight must have "
                                                   r"shape \(5,\) for x of shape \(4, 5\), got "
                                                   r"\(4,\)"):
        F.softmax_cross_entropy(numpy.zeros((4, 5), numpy.float32), numpy.zeros(4, numpy.int32),
                                class_weight=numpy.ones(4, numpy.float32))


def test_bad_reduce_raises():
    with pytest.raises(ValueError, match="softmax_cross_entropy: reduce must be 'mean' or 'no', "
                                         "got 'sum'"):
        F.softmax_cross_entropy(numpy.zeros((4, 5), numpy.float32), numpy.zeros(4, numpy.int32),
                                reduce="sum")


@pytest.mark.parametrize("path", sorted(PATHS))
def test_inside_forget_gives_plain_gradients(path):
    # With cache_score the softmax is a hidden output the node retains: it must
    # be recomputed like any other retained array.
    x_data, t = _data((4, 3), numpy.float64, 8)
    w_data = numpy.random.default_rng(9).normal(size=(4, 3))

    def loss_fn(x, w):
        return F.softmax_cross_entropy(F.tanh(x * w), t, **PATHS[path])
    grads = []
    for use_forget in (False, True):
        x, w = rechain.Variable(x_data.copy()), rechain.Variable(w_data.copy())
        loss = F.forget(loss_fn, x, w) if use_forget else loss_fn(x, w)
        gx, = rechain.grad([loss], [x], enable_double_backprop=True)
        F.sum(gx * gx).backward()
        grads.append((loss.array, gx.array, w.grad))
    for a, b in zip(*grads):
        numpy.testing.assert_allclose(a, b, rtol=1e-12)

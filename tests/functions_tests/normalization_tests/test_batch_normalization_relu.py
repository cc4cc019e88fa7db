"""batch_normalization_relu and lean_apply (Note [lean blocks]): bitwise the plain
``relu(batch_normalization(x))``, and less kept for backward."""

import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import gradient_check
from rechain.utils import type_check

CASES = [((7, 5), None), ((64, 16), None), ((4, 3, 5, 2), None), ((3, 4, 6), (0, 2))]
DTYPES = [numpy.float32, numpy.float64]


def _bits(a):
    a = numpy.ascontiguousarray(a)
    return a.view(numpy.uint32 if a.dtype == numpy.float32 else numpy.uint64)


def assert_bitwise(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    numpy.testing.assert_array_equal(_bits(got), _bits(want))


def _axes(shape, axis):
    if axis is None:
        return (0,) + tuple(range(2, len(shape)))
    return axis


def _data(shape, axis, dtype, seed=0):
    rng = numpy.random.default_rng(seed)
    axes = _axes(shape, axis)
    pshape = tuple(s for i, s in enumerate(shape) if i not in axes)
    x = rng.standard_normal(shape).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, pshape).astype(dtype)
    beta = rng.uniform(-0.5, 0.5, pshape).astype(dtype)
    # One channel constant with beta 0: its pre-activation is exactly 0 there,
    # where the mask must be False (the gradient at 0 is 0).
    index = (slice(None),) * 1 + (0,) if axis is None else None
    if index is not None:
        x[index] = 0.25
        beta[0] = 0
    gy = rng.standard_normal(shape).astype(dtype)
    return x, gamma, beta, gy


def _plain(x, g, b, **kw):
    return F.relu(F.batch_normalization(x, g, b, **kw))


def _fused(x, g, b, **kw):
    return F.batch_normalization_relu(x, g, b, **kw)


def _run(f, data, axis, double=False, running=True):
    x, gamma, beta, gy = data
    xv, gv, bv = rechain.Variable(x), rechain.Variable(gamma), rechain.Variable(beta)
    rm = numpy.full(gamma.shape, 0.5, gamma.dtype) if running else None
    rv = numpy.full(gamma.shape, 2.0, gamma.dtype) if running else None
    y = f(xv, gv, bv, running_mean=rm, running_var=rv, axis=axis, eps=1e-3)
    grads = rechain.grad([y], [xv, gv, bv], [rechain.Variable(gy)],
                         enable_double_backprop=double)
    return [y.array] + [g.array for g in grads] + ([rm, rv] if running else [])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", CASES)
@pytest.mark.parametrize("double", [False, True], ids=["arrays", "variables"])
def test_forward_and_gradients_bitwise_equal_to_the_plain_pair(shape, axis, dtype, double):
    data = _data(shape, axis, dtype)
    want = _run(_plain, data, axis, double)
    got = _run(_fused, data, axis, double)
    for g, w in zip(got, want):
        assert_bitwise(g, w)
    assert (got[0] == 0).any() and (got[0] > 0).any()


def test_values_and_nonnegative_output():
    x, gamma, beta, _ = _data((8, 3), None, numpy.float64, seed=4)
    y = F.batch_normalization_relu(x, gamma, beta).array
    mean, var = x.mean(axis=0), x.var(axis=0)
    ref = numpy.maximum(gamma * (x - mean) / numpy.sqrt(var + 2e-5) + beta, 0)
    numpy.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape,axis", [((5, 3), None), ((3, 2, 2, 2), None)])
def test_check_backward(shape, axis):
    rng = numpy.random.default_rng(5)
    x, gamma, beta, gy = _data(shape, axis, numpy.float64, seed=5)
    x = rng.standard_normal(shape)  # no constant channel: keep away from the kink
    gradient_check.check_backward(lambda *a: F.batch_normalization_relu(*a, axis=axis),
                                  (x, gamma, beta), gy, eps=1e-4, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("shape,axis", [((5, 3), None), ((3, 2, 2, 2), None)])
def test_check_double_backward(shape, axis):
    rng = numpy.random.default_rng(6)
    _, gamma, beta, gy = _data(shape, axis, numpy.float64, seed=6)
    x = rng.standard_normal(shape)
    ggx = rng.standard_normal(shape)
    gggamma = rng.standard_normal(gamma.shape)
    ggbeta = rng.standard_normal(beta.shape)
    gradient_check.check_double_backward(
        lambda *a: F.batch_normalization_relu(*a, axis=axis), (x, gamma, beta), gy,
        (ggx, gggamma, ggbeta), eps=1e-4, atol=1e-5, rtol=1e-4)


def test_second_order_gradients_bitwise_equal_to_the_plain_pair():
    x, gamma, beta, gy = _data((6, 4), None, numpy.float64, seed=7)

    def second(f):
        xv, gv, bv = rechain.Variable(x), rechain.Variable(gamma), rechain.Variable(beta)
        y = f(xv, gv, bv)
        gx, gg = rechain.grad([y], [xv, gv], [rechain.Variable(gy)],
                              enable_double_backprop=True)
        (F.sum(gx * gx) + F.sum(gg * gg)).backward()
        return xv.grad, gv.grad, bv.grad

    for g, w in zip(second(_fused), second(_plain)):
        if w is None:
            assert g is None
        else:
            assert_bitwise(g, w)


@pytest.mark.parametrize("shape,axis", [((7, 5), None), ((4, 3, 5, 2), None)])
def test_under_forget_equal_to_plain(shape, axis):
    data = _data(shape, axis, numpy.float32, seed=8)
    want = _run(_plain, data, axis)

    def forgotten(x, g, b, running_mean, running_var, **kw):
        return F.forget(lambda a, c, d: F.batch_normalization_relu(
            a, c, d, running_mean=running_mean, running_var=running_var, **kw), x, g, b)

    got = _run(forgotten, data, axis)
    for g, w in zip(got, want):  # running statistics included: updated once
        assert_bitwise(g, w)


def test_running_statistics_updated_once_and_not_while_recomputing():
    x, gamma, beta, _ = _data((10, 3), None, numpy.float64, seed=9)
    rm, rv = numpy.zeros(3), numpy.ones(3)
    F.batch_normalization_relu(x, gamma, beta, running_mean=rm, running_var=rv, decay=0.8)
    numpy.testing.assert_allclose(rm, 0.2 * x.mean(axis=0), rtol=1e-12)
    numpy.testing.assert_allclose(rv, 0.8 + 0.2 * x.var(axis=0, ddof=1), rtol=1e-12)
    before = rm.copy(), rv.copy()
    with rechain.using_config("in_recomputing", True):
        F.batch_normalization_relu(x, gamma, beta, running_mean=rm, running_var=rv)
    assert_bitwise(rm, before[0])
    assert_bitwise(rv, before[1])


def test_bad_input_names_the_function_and_argument():
    x = numpy.ones((4, 3), numpy.float32)
    c = numpy.ones(3, numpy.float32)
    with pytest.raises(type_check.InvalidType,
                       match=r"batch_normalization_relu: beta of shape \(2,\) does not "
                             r"match x \(4, 3\)"):
        F.batch_normalization_relu(x, c, numpy.ones(2, numpy.float32))
    with pytest.raises(type_check.InvalidType, match=r"batch_normalization_relu: x must"):
        F.batch_normalization_relu(numpy.ones(3, numpy.float32), c, c)
    with pytest.raises(TypeError, match=r"lean_apply: fn must be callable, not int"):
        F.lean_apply(1, rechain.Variable(x))
    with pytest.raises(TypeError, match=r"lean_apply: y must be a Variable, not ndarray"):
        F.lean_apply(F.relu, x)


# -- lean_apply: what the graph keeps --------------------------------------------------

class _Block(rechain.Chain):
    """``h + l2(relu(bn(l1(h))))``, plain or lean; the same parameters either way."""

    def __init__(self, width, lean):
        super().__init__()
        self.lean = lean
        with self.init_scope():
            self.l1 = rechain.links.Linear(width, width)
            self.l2 = rechain.links.Linear(width, width)
            self.gamma = rechain.Parameter(numpy.linspace(0.5, 1.5, width, dtype=numpy.float32))
            self.beta = rechain.Parameter(numpy.linspace(-0.3, 0.3, width, dtype=numpy.float32))
        self.avg_mean = numpy.zeros(width, numpy.float32)
        self.avg_var = numpy.ones(width, numpy.float32)

    def forward(self, h):
        kw = dict(running_mean=self.avg_mean, running_var=self.avg_var)
        x = self.l1(h)
        if self.lean:
            return h + F.lean_apply(self.l2, F.batch_normalization_relu(
                x, self.gamma, self.beta, **kw))
        return h + self.l2(F.relu(F.batch_normalization(x, self.gamma, self.beta, **kw)))


def _model(n, width, lean, seed=0):
    rechain.random.seed(seed)
    return rechain.ChainList(*[_Block(width, lean) for _ in range(n)])


def _loss(model, x, wrap=None):
    h = rechain.Variable(x)
    for b in model:
        h = wrap(b, h) if wrap else b(h)
    return F.sum(h * h)


def _kept_after_forward(model, x):
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss = _loss(model, x)
        kept = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return kept, loss


def test_lean_block_keeps_one_array_less_per_block():
    n, batch, width = 4, 256, 128
    x = numpy.random.default_rng(10).standard_normal((batch, width)).astype(numpy.float32)
    plain, _ = _kept_after_forward(_model(n, width, False), x)
    lean, _ = _kept_after_forward(_model(n, width, True), x)
    full = batch * width * 4
    # plain keeps per block l1's output and relu's output (also l2's input) and
    # the block's output; lean keeps no relu output.
    assert abs((plain - lean) - n * full) < full // 8, (plain - lean) / full
    assert plain >= 3 * n * full


def _grads(model):
    return [p.grad.copy() for p in model.params()] + [
        a.copy() for b in model for a in (b.avg_mean, b.avg_var)]


@pytest.mark.parametrize("wrap", [None, "forget"])
def test_lean_model_gradients_bitwise_equal_to_plain(wrap):
    x = numpy.random.default_rng(11).standard_normal((32, 16)).astype(numpy.float32)
    w = (lambda b, h: F.forget(b, h)) if wrap else None
    results = []
    for lean in (False, True):
        model = _model(3, 16, lean)
        model.cleargrads()
        _loss(model, x, w).backward()
        results.append(_grads(model))
    for g, p in zip(*results):
        assert_bitwise(p, g)


def test_second_backward_through_freed_lean_graph_gives_the_same_gradients():
    x = numpy.random.default_rng(12).standard_normal((32, 16)).astype(numpy.float32)
    model = _model(3, 16, True)
    loss = _loss(model, x)
    stats = [a.copy() for b in model for a in (b.avg_mean, b.avg_var)]
    loss.backward()           # frees the saved arrays
    first = _grads(model)
    model.cleargrads()
    loss.backward()           # rebuilds them exactly
    for g, w in zip(_grads(model), first):
        assert_bitwise(g, w)
    plain = _model(3, 16, False)
    _loss(plain, x).backward()
    for g, w in zip(first, _grads(plain)):
        assert_bitwise(g, w)
    for a, s in zip([a for b in model for a in (b.avg_mean, b.avg_var)], stats):
        assert_bitwise(a, s)  # the rebuild did not update the running statistics


def test_retained_graph_releases_the_rebuilt_array_after_the_pass():
    x = numpy.random.default_rng(13).standard_normal((256, 128)).astype(numpy.float32)
    model = _model(2, 128, True)
    loss = _loss(model, x)
    loss.backward(retain_graph=True)
    model.cleargrads()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        loss.backward(retain_graph=True)
        grads = _grads(model)
        del grads
        model.cleargrads()
        left = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert left < 256 * 128 * 4 // 4, left  # no rebuilt y stays held by the graph


def test_lean_double_backprop_equals_plain():
    x = numpy.random.default_rng(14).standard_normal((8, 6)).astype(numpy.float64)
    results = []
    for lean in (False, True):
        rechain.random.seed(1)
        block = _Block(6, lean)
        for p in block.params():
            p.array = p.array.astype(numpy.float64)
        block.avg_mean = block.avg_mean.astype(numpy.float64)
        block.avg_var = block.avg_var.astype(numpy.float64)
        h = rechain.Variable(x)
        y = block(h)
        gh, = rechain.grad([F.sum(y * y)], [h], enable_double_backprop=True)
        block.cleargrads()
        F.sum(gh * gh).backward()
        results.append([p.grad for p in block.params()])
    for g, w in zip(*results):
        assert_bitwise(g, w)


def test_lean_apply_passes_through_where_nothing_is_saved():
    x = rechain.Variable(numpy.ones((2, 3), numpy.float32))
    y = F.relu(x)   # ReLU cannot rebuild its output: fn(y) as is
    assert F.lean_apply(lambda t: t * 2, y).array.sum() == 12
    with rechain.no_backprop_mode():
        z = F.batch_normalization_relu(x, numpy.ones(3, numpy.float32),
                                       numpy.zeros(3, numpy.float32))
        assert F.lean_apply(F.relu, z).shape == (2, 3)


@pytest.mark.gpu
def test_gpu_matches_cpu_bitwise_pattern():
    cp = rechain.backend.cupy
    x, gamma, beta, gy = _data((16, 8), None, numpy.float32, seed=15)
    want = _run(_plain, (cp.asarray(x), cp.asarray(gamma), cp.asarray(beta), cp.asarray(gy)),
                None)
    got = _run(_fused, (cp.asarray(x), cp.asarray(gamma), cp.asarray(beta), cp.asarray(gy)),
               None)
    for g, w in zip(got, want):
        assert isinstance(g, cp.ndarray)
        cp.testing.assert_array_equal(g, w)
    cpu = _run(_fused, (x, gamma, beta, gy), None)
    numpy.testing.assert_allclose(cp.asnumpy(got[0]), cpu[0], rtol=1e-5, atol=1e-5)

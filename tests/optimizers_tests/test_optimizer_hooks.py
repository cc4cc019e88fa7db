import numpy
import pytest

import rechain
from rechain import optimizer_hooks
from rechain import optimizers
from rechain.links import link as link_module


class Two(link_module.Link):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.a = rechain.Parameter(numpy.array([1.0, -2.0], numpy.float32))
            self.b = rechain.Parameter(numpy.array([[3.0], [0.5]], numpy.float32))
            self.c = rechain.Parameter(numpy.array([7.0], numpy.float32))   # no gradient


def _setup(hook, lr=1.0):
    link = Two()
    opt = optimizers.SGD(lr=lr).setup(link)
    opt.add_hook(hook)
    ga = numpy.array([0.5, 1.0], numpy.float32)
    gb = numpy.array([[2.0], [-1.0]], numpy.float32)
    link.a.grad, link.b.grad = ga, gb
    return link, opt, ga.copy(), gb.copy()


def test_weight_decay():
    link, opt, ga, gb = _setup(optimizer_hooks.WeightDecay(0.1))
    a0, b0 = link.a.array.copy(), link.b.array.copy()
    opt.update()
    numpy.testing.assert_allclose(link.a.array, a0 - (ga + 0.1 * a0), rtol=1e-6)
    numpy.testing.assert_allclose(link.b.array, b0 - (gb + 0.1 * b0), rtol=1e-6)
    # no gradient: a zero one (Chainer's reallocate_cleared_grads), so the decay acts
    numpy.testing.assert_allclose(link.c.array, [7.0 - 0.1 * 7.0], rtol=1e-6)
    assert link.a.dtype == numpy.float32


def test_lasso():
    link, opt, ga, gb = _setup(optimizer_hooks.Lasso(0.1))
    a0 = link.a.array.copy()
    opt.update()
    numpy.testing.assert_allclose(link.a.array, a0 - (ga + 0.1 * numpy.sign(a0)), rtol=1e-6)


@pytest.mark.parametrize("threshold", [1.0, 2.0])
def test_gradient_clipping_rescales_by_global_norm(threshold):
    link, opt, ga, gb = _setup(optimizer_hooks.GradientClipping(threshold))
    a0, b0 = link.a.array.copy(), link.b.array.copy()
    norm = numpy.sqrt((ga ** 2).sum() + (gb ** 2).sum())   # 2.5
    rate = threshold / norm
    opt.update()
    numpy.testing.assert_allclose(link.a.array, a0 - rate * ga, rtol=1e-6)
    numpy.testing.assert_allclose(link.b.array, b0 - rate * gb, rtol=1e-6)
    new_norm = numpy.sqrt((link.a.grad ** 2).sum() + (link.b.grad ** 2).sum())
    assert new_norm == pytest.approx(threshold, rel=1e-6)


def test_gradient_clipping_below_threshold_is_identity():
    link, opt, ga, gb = _setup(optimizer_hooks.GradientClipping(10.0))
    a0 = link.a.array.copy()
    opt.update()
    numpy.testing.assert_allclose(link.a.array, a0 - ga, rtol=1e-6)
    with pytest.raises(ValueError, match="threshold must be positive"):
        optimizer_hooks.GradientClipping(0)


def test_gradient_hard_clipping():
    link, opt, ga, gb = _setup(optimizer_hooks.GradientHardClipping(-0.8, 0.8))
    b0 = link.b.array.copy()
    opt.update()
    numpy.testing.assert_allclose(link.b.array, b0 - numpy.clip(gb, -0.8, 0.8), rtol=1e-6)
    with pytest.raises(ValueError, match="lower_bound 1 exceeds upper_bound 0"):
        optimizer_hooks.GradientHardClipping(1, 0)


def test_hooks_do_not_modify_shared_gradient_arrays():
    # backprop may give two parameters the very same gradient array
    link, opt, ga, gb = _setup(optimizer_hooks.WeightDecay(0.5))
    opt.add_hook(optimizer_hooks.GradientClipping(0.1))
    shared = numpy.array([1.0, 1.0], numpy.float32)
    link.a.grad = shared
    other = rechain.Variable(numpy.zeros(2, numpy.float32))
    other.grad_var = link.a.grad_var
    opt.update()
    numpy.testing.assert_array_equal(shared, [1.0, 1.0])
    numpy.testing.assert_array_equal(other.grad, [1.0, 1.0])


def test_hook_timing_post():
    link, opt, ga, gb = _setup(optimizer_hooks.WeightDecay(0.1))
    opt.remove_hook("WeightDecay")
    opt.add_hook(optimizer_hooks.WeightDecay(0.1), timing="post")
    a0 = link.a.array.copy()
    opt.update()
    numpy.testing.assert_allclose(link.a.array, a0 - ga, rtol=1e-6)   # decay came after


def test_gradient_lars_scales_by_the_trust_ratio():
    hook = optimizer_hooks.GradientLARS(threshold=1.5, weight_decay=0.1, eps=1e-3)
    link, opt, ga, gb = _setup(hook, lr=0.5)
    opt.update()
    a0 = numpy.array([1.0, -2.0])
    b0 = numpy.array([[3.0], [0.5]])
    for w0, g, got in ((a0, ga, link.a.array), (b0, gb, link.b.array)):
        pn, gn = numpy.linalg.norm(w0), numpy.linalg.norm(g)
        rate = pn / (1e-3 + gn + 0.1 * pn) if pn > 1.5 else 1.0
        numpy.testing.assert_allclose(got, w0 - 0.5 * rate * (g + 0.1 * w0), rtol=1e-6)
    # c had no gradient: a zero one, so only the (trust-scaled) decay moves it
    rate_c = 7.0 / (1e-3 + 0.0 + 0.1 * 7.0)
    numpy.testing.assert_allclose(link.c.array, [7.0 - 0.5 * rate_c * 0.1 * 7.0], rtol=1e-6)


def test_gradient_lars_leaves_small_parameters_unscaled_and_gradients_unshared():
    hook = optimizer_hooks.GradientLARS(threshold=100.0, weight_decay=0.0)
    link, opt, ga, gb = _setup(hook)
    shared = link.a.grad
    opt.update()
    numpy.testing.assert_allclose(link.a.array, [1.0 - 0.5, -2.0 - 1.0])
    numpy.testing.assert_array_equal(shared, ga)   # replaced, not scaled in place

"""chainer.optimizer's deprecated hook aliases, and GradientNoise."""

import pickle

import numpy
import pytest

import rechain
import rechain.links as L
from rechain import optimizer, optimizer_hooks, optimizers


@pytest.mark.parametrize("name,args", [("WeightDecay", (0.1,)), ("Lasso", (0.1,)),
                                       ("GradientClipping", (1.0,)),
                                       ("GradientHardClipping", (-1.0, 1.0)),
                                       ("GradientNoise", (0.01,))])
def test_alias_warns_and_is_the_hook(name, args):
    with pytest.warns(DeprecationWarning, match=rf"rechain.optimizer.{name} is deprecated.*"
                                                rf"rechain.optimizer_hooks.{name}"):
        hook = getattr(optimizer, name)(*args)
    assert isinstance(hook, getattr(optimizer_hooks, name))
    assert hook.name == name
    assert pickle.loads(pickle.dumps(hook)).__class__ is type(hook)


def test_alias_behaves_as_hook():
    def run(hook_cls):
        model = L.Linear(2, 2)
        model.W.array[...] = 1.0
        opt = optimizers.SGD(lr=0.1)
        opt.setup(model)
        opt.add_hook(hook_cls(0.5))
        model.cleargrads()
        rechain.functions.sum(model(numpy.ones((1, 2), numpy.float32))).backward()
        opt.update()
        return model.W.array.copy()
    with pytest.warns(DeprecationWarning):
        a = run(optimizer.WeightDecay)
    numpy.testing.assert_array_equal(a, run(optimizer_hooks.WeightDecay))


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match=r"has no attribute 'GradientLARSX'"):
        optimizer.GradientLARSX


def _noisy_update(eta, t):
    p = rechain.Parameter(numpy.zeros(2000))
    p.grad = numpy.zeros(2000)

    class Rule:
        enabled = True

    rule = Rule()
    rule.t = t
    optimizer_hooks.GradientNoise(eta)(rule, p)
    return p.grad


def test_gradient_noise_scale_follows_the_schedule():
    for eta, t in [(1.0, 0), (0.3, 10), (0.01, 100)]:
        g = _noisy_update(eta, t)
        expected = numpy.sqrt(eta / (1 + t) ** 0.55)
        assert abs(g.std() / expected - 1) < 0.1
        assert abs(g.mean()) < 4 * expected / numpy.sqrt(g.size)


def test_gradient_noise_is_reproducible_from_the_framework_seed():
    rechain.random.seed(3)
    a = _noisy_update(1.0, 0)
    rechain.random.seed(3)
    numpy.testing.assert_array_equal(_noisy_update(1.0, 0), a)


def test_gradient_noise_replaces_the_array_and_skips_missing_grads():
    p = rechain.Parameter(numpy.zeros(3))
    g = numpy.ones(3)
    p.grad = g
    optimizer_hooks.GradientNoise(0.1)(None, p)
    assert p.grad is not g and (g == 1).all()
    q = rechain.Parameter(numpy.zeros(3))
    optimizer_hooks.GradientNoise(0.1)(None, q)
    assert q.grad is None


def test_gradient_noise_custom_function_and_bad_shape():
    p = rechain.Parameter(numpy.zeros(3))
    p.grad = numpy.zeros(3)
    optimizer_hooks.GradientNoise(2.0, lambda xp, shape, dtype, hook, opt:
                                  xp.full(shape, hook.eta, dtype))(None, p)
    numpy.testing.assert_array_equal(p.grad, [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match=r"GradientNoise: noise_func returned shape \(2,\)"):
        optimizer_hooks.GradientNoise(1.0, lambda xp, s, d, h, o: xp.zeros(2))(None, p)
    with pytest.raises(TypeError, match=r"noise_func must be callable"):
        optimizer_hooks.GradientNoise(1.0, 3)


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_gradient_lars_against_the_formula(wd):
    rng = numpy.random.default_rng(0)
    w = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    p = rechain.Parameter(w.copy())
    p.grad = g.copy()
    optimizer_hooks.GradientLARS(threshold=1e-2, weight_decay=wd)(None, p)
    pn, gn = numpy.linalg.norm(w), numpy.linalg.norm(g)
    rate = pn / (1e-9 + gn + wd * pn)
    numpy.testing.assert_allclose(p.grad, (g + wd * w) * rate, rtol=1e-12)
    # below the threshold only the weight decay is added
    q = rechain.Parameter(w * 1e-4)
    q.grad = g.copy()
    optimizer_hooks.GradientLARS(threshold=1.0, weight_decay=wd)(None, q)
    numpy.testing.assert_allclose(q.grad, g + wd * w * 1e-4, rtol=1e-12)


def test_gradient_lars_in_an_optimizer_and_float32():
    model = L.Linear(3, 2)
    opt = optimizers.MomentumSGD(lr=0.1)
    opt.setup(model)
    opt.add_hook(optimizer_hooks.GradientLARS(weight_decay=1e-3))
    model.cleargrads()
    rechain.functions.sum(model(numpy.ones((4, 3), numpy.float32))).backward()
    opt.update()
    assert model.W.array.dtype == numpy.float32 and numpy.isfinite(model.W.array).all()

"""Update formulas of every optimizer against hand-written NumPy steps."""

import math

import numpy
import pytest

import rechain
from rechain import optimizers
from rechain.links import link as link_module


class One(link_module.Link):
    """A link with a single parameter, driven by hand-set gradients."""

    def __init__(self, value):
        super().__init__()
        with self.init_scope():
            self.w = rechain.Parameter(value.copy())


def _grads(n, shape, dtype, seed=0):
    rng = numpy.random.RandomState(seed)
    return [rng.randn(*shape).astype(dtype) for _ in range(n)]


def _sgd(w, gs, lr):
    for g in gs:
        w = w - lr * g
    return w


def _momentum(w, gs, lr, mu):
    v = numpy.zeros_like(w)
    for g in gs:
        v = mu * v - lr * g
        w = w + v
    return w


def _nesterov(w, gs, lr, mu):
    v = numpy.zeros_like(w)
    for g in gs:
        v = mu * v - lr * g
        w = w + mu * mu * v - (1 + mu) * lr * g
    return w


def _adam(w, gs, alpha, b1, b2, eps, eta, wd, amsgrad):
    m = numpy.zeros_like(w)
    v = numpy.zeros_like(w)
    vhat = numpy.zeros_like(w)
    for t, g in enumerate(gs, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vhat = numpy.maximum(vhat, v) if amsgrad else v
        alpha_t = alpha * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - eta * (alpha_t * m / (numpy.sqrt(vhat) + eps) + wd * w)
    return w


def _rmsprop(w, gs, lr, alpha, eps):
    ms = numpy.zeros_like(w)
    for g in gs:
        ms = alpha * ms + (1 - alpha) * g * g
        w = w - lr * g / (numpy.sqrt(ms) + eps)
    return w


def _adagrad(w, gs, lr, eps):
    h = numpy.zeros_like(w)
    for g in gs:
        h = h + g * g
        w = w - lr * g / (numpy.sqrt(h) + eps)
    return w


def _adabound(w, gs, alpha, b1, b2, final_lr, gamma, eps, amsgrad):
    m = numpy.zeros_like(w)
    v = numpy.zeros_like(w)
    vhat = numpy.zeros_like(w)
    for t, g in enumerate(gs, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vhat = numpy.maximum(vhat, v) if amsgrad else v
        alpha_t = alpha * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        lower = final_lr * (1 - 1 / (gamma * t + 1))
        upper = final_lr * (1 + 1 / (gamma * t))
        lr = numpy.clip(alpha_t / (numpy.sqrt(vhat) + eps), lower, upper)
        w = w - lr * m
    return w


def _adadelta(w, gs, rho, eps):
    msg = numpy.zeros_like(w)
    msdx = numpy.zeros_like(w)
    for g in gs:
        msg = rho * msg + (1 - rho) * g * g
        dx = numpy.sqrt((msdx + eps) / (msg + eps)) * g
        msdx = rho * msdx + (1 - rho) * dx * dx
        w = w - dx
    return w


def _rmsprop_graves(w, gs, lr, alpha, mu, eps):
    n = numpy.zeros_like(w)
    a = numpy.zeros_like(w)
    delta = numpy.zeros_like(w)
    for g in gs:
        n = alpha * n + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g
        delta = mu * delta - lr * g / numpy.sqrt(n - a * a + eps)
        w = w + delta
    return w


def _smorms3(w, gs, lr, eps):
    mem = numpy.ones_like(w)
    a = numpy.zeros_like(w)
    a2 = numpy.zeros_like(w)
    for g in gs:
        r = 1 / (mem + 1)
        a = (1 - r) * a + r * g
        a2 = (1 - r) * a2 + r * g * g
        x = a * a / (a2 + eps)
        w = w - g * numpy.minimum(x, lr) / (numpy.sqrt(a2) + eps)
        mem = 1 + mem * (1 - x)
    return w


def _corrected_momentum(w, gs, lrs, mu):
    v = numpy.zeros_like(w)
    for g, lr in zip(gs, lrs):
        v = mu * v - g
        w = w + lr * v
    return w


def _msvag(w, gs, lr, beta, eta, wd):
    m = numpy.zeros_like(w)
    v = numpy.zeros_like(w)
    for t, g in enumerate(gs, 1):
        bt = beta ** t
        rho = min((1 - beta) ** 2 * (1 - bt ** 2) / ((1 - bt) ** 2 * (1 - beta ** 2)), 0.9999)
        m = beta * m + (1 - beta) * g
        v = beta * v + (1 - beta) * g * g
        mt, vt = m / (1 - bt), v / (1 - bt)
        s = (vt - mt ** 2) / (1 - rho)
        factor = numpy.clip(mt ** 2 / (mt ** 2 + rho * s), 0, 1)
        w = w - eta * (lr * mt * factor + wd * w)
    return w


CASES = [
    ("SGD", lambda: optimizers.SGD(lr=0.1), lambda w, gs: _sgd(w, gs, 0.1)),
    ("MomentumSGD", lambda: optimizers.MomentumSGD(lr=0.05, momentum=0.8),
     lambda w, gs: _momentum(w, gs, 0.05, 0.8)),
    ("NesterovAG", lambda: optimizers.NesterovAG(lr=0.05, momentum=0.7),
     lambda w, gs: _nesterov(w, gs, 0.05, 0.7)),
    ("Adam", lambda: optimizers.Adam(),
     lambda w, gs: _adam(w, gs, 0.001, 0.9, 0.999, 1e-8, 1.0, 0.0, False)),
    ("Adam-custom", lambda: optimizers.Adam(alpha=0.01, beta1=0.8, beta2=0.99, eps=1e-3,
                                            eta=0.5),
     lambda w, gs: _adam(w, gs, 0.01, 0.8, 0.99, 1e-3, 0.5, 0.0, False)),
    ("AdamW", lambda: optimizers.Adam(alpha=0.01, weight_decay_rate=0.1),
     lambda w, gs: _adam(w, gs, 0.01, 0.9, 0.999, 1e-8, 1.0, 0.1, False)),
    ("AdamW-class", lambda: optimizers.AdamW(alpha=0.01, weight_decay_rate=0.1, eta=2.0),
     lambda w, gs: _adam(w, gs, 0.01, 0.9, 0.999, 1e-8, 2.0, 0.1, False)),
    ("AMSGrad", lambda: optimizers.Adam(alpha=0.01, amsgrad=True),
     lambda w, gs: _adam(w, gs, 0.01, 0.9, 0.999, 1e-8, 1.0, 0.0, True)),
    ("AMSGrad-class", lambda: optimizers.AMSGrad(alpha=0.01),
     lambda w, gs: _adam(w, gs, 0.01, 0.9, 0.999, 1e-8, 1.0, 0.0, True)),
    ("RMSprop", lambda: optimizers.RMSprop(lr=0.01, alpha=0.9, eps=1e-6),
     lambda w, gs: _rmsprop(w, gs, 0.01, 0.9, 1e-6)),
    ("AdaGrad", lambda: optimizers.AdaGrad(lr=0.1, eps=1e-6),
     lambda w, gs: _adagrad(w, gs, 0.1, 1e-6)),
    # gamma=0.5 makes the bounds bite within five steps (final_lr 0.05 vs
    # Adam's per-element rates), so the clip is exercised on both sides.
    ("AdaBound", lambda: optimizers.Adam(alpha=0.01, adabound=True, final_lr=0.05,
                                         gamma=0.5),
     lambda w, gs: _adabound(w, gs, 0.01, 0.9, 0.999, 0.05, 0.5, 1e-8, False)),
    ("AdaBound-class", lambda: optimizers.AdaBound(alpha=0.01, final_lr=0.05, gamma=0.5),
     lambda w, gs: _adabound(w, gs, 0.01, 0.9, 0.999, 0.05, 0.5, 1e-8, False)),
    ("AMSBound", lambda: optimizers.Adam(alpha=0.01, amsgrad=True, adabound=True,
                                         final_lr=0.05, gamma=0.5),
     lambda w, gs: _adabound(w, gs, 0.01, 0.9, 0.999, 0.05, 0.5, 1e-8, True)),
    ("AMSBound-class", lambda: optimizers.AMSBound(alpha=0.01, final_lr=0.05, gamma=0.5),
     lambda w, gs: _adabound(w, gs, 0.01, 0.9, 0.999, 0.05, 0.5, 1e-8, True)),
    ("AdaDelta", lambda: optimizers.AdaDelta(rho=0.9, eps=1e-4),
     lambda w, gs: _adadelta(w, gs, 0.9, 1e-4)),
    ("AdaDelta-default", lambda: optimizers.AdaDelta(),
     lambda w, gs: _adadelta(w, gs, 0.95, 1e-6)),
    ("RMSpropGraves", lambda: optimizers.RMSpropGraves(lr=0.01, alpha=0.9, momentum=0.8,
                                                       eps=1e-2),
     lambda w, gs: _rmsprop_graves(w, gs, 0.01, 0.9, 0.8, 1e-2)),
    ("SMORMS3", lambda: optimizers.SMORMS3(lr=0.01, eps=1e-8),
     lambda w, gs: _smorms3(w, gs, 0.01, 1e-8)),
    ("CorrectedMomentumSGD", lambda: optimizers.CorrectedMomentumSGD(lr=0.05, momentum=0.8),
     lambda w, gs: _corrected_momentum(w, gs, [0.05] * len(gs), 0.8)),
    ("MSVAG", lambda: optimizers.MSVAG(lr=0.1, beta=0.8),
     lambda w, gs: _msvag(w, gs, 0.1, 0.8, 1.0, 0.0)),
    ("MSVAG-wd", lambda: optimizers.MSVAG(lr=0.05, beta=0.9, eta=0.5,
                                          weight_decay_rate=0.1),
     lambda w, gs: _msvag(w, gs, 0.05, 0.9, 0.5, 0.1)),
]


# M-SVAG's variance estimate vt - mt² cancels, and at t = 1 it is divided by
# 1 - rho = 1e-4: float32 rounding there moves the step by ~1e-4 relative.
FLOAT32_TOL = {"MSVAG": 5e-4, "MSVAG-wd": 5e-4}


def _to(xp_name, a):
    return a if xp_name == "numpy" else rechain.backend.cupy.asarray(a)


@pytest.mark.parametrize("name,make,ref", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("xp_name", ["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def test_update_formula(name, make, ref, dtype, xp_name):
    w0 = numpy.random.RandomState(1).randn(3, 4).astype(dtype)
    gs = _grads(5, (3, 4), dtype)
    link = One(_to(xp_name, w0))
    opt = make().setup(link)
    for g in gs:
        link.w.grad = _to(xp_name, g.copy())
        opt.update()
    expected = ref(w0.astype(numpy.float64), [g.astype(numpy.float64) for g in gs])
    assert link.w.dtype == dtype
    assert type(link.w.array) is type(_to(xp_name, w0))
    tol = FLOAT32_TOL.get(name, 1e-5) if dtype == numpy.float32 else 1e-12
    numpy.testing.assert_allclose(rechain.backend.to_cpu(link.w.array), expected,
                                  rtol=tol, atol=tol)
    assert opt.t == 5 and link.w.update_rule.t == 5


def test_adam_learning_rate():
    opt = optimizers.Adam(alpha=0.01, beta1=0.9, beta2=0.99).setup(One(numpy.zeros(2)))
    with pytest.raises(RuntimeError, match="before the first update"):
        opt.lr
    opt.t = 3
    assert opt.lr == pytest.approx(0.01 * math.sqrt(1 - 0.99 ** 3) / (1 - 0.9 ** 3))
    assert opt.alpha_t == opt.lr


def test_adam_eps_underflow_is_an_error():
    link = One(numpy.ones(2, numpy.float16))
    opt = optimizers.Adam(eps=1e-10).setup(link)
    link.w.grad = numpy.ones(2, numpy.float16)
    with pytest.raises(ValueError, match="eps=1e-10.*float16"):
        opt.update()


def test_adabound_bounds_close_on_final_lr_and_follow_alpha():
    link = One(numpy.ones(3))
    opt = optimizers.AdaBound(alpha=0.01, final_lr=0.1, gamma=0.1).setup(link)
    rule = link.w.update_rule
    with pytest.raises(RuntimeError, match="AdaBound bounds.*before the first update"):
        rule.bounds
    widths = []
    for _ in range(4):
        link.w.grad = numpy.ones(3)
        opt.update()
        lower, upper = rule.bounds
        assert lower < 0.1 < upper
        widths.append(upper - lower)
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0]
    t = rule.t
    assert rule.bounds == pytest.approx((0.1 * (1 - 1 / (0.1 * t + 1)),
                                         0.1 * (1 + 1 / (0.1 * t))))
    opt.alpha = 0.005  # a schedule halving alpha halves the final rate too
    assert rule.bounds == pytest.approx((0.05 * (1 - 1 / (0.1 * t + 1)),
                                         0.05 * (1 + 1 / (0.1 * t))))


def test_adabound_bad_arguments():
    with pytest.raises(ValueError, match="Adam: adabound needs final_lr > 0.*final_lr=0"):
        optimizers.Adam(adabound=True, final_lr=0)
    with pytest.raises(ValueError, match="gamma=-1"):
        optimizers.AdaBound(gamma=-1)


def test_corrected_momentum_follows_a_changing_lr():
    """The correction: a new lr scales the accumulated buffer at once."""
    w0 = numpy.random.RandomState(2).randn(4)
    gs = _grads(6, (4,), numpy.float64, seed=3)
    lrs = [0.1, 0.1, 0.1, 0.01, 0.01, 0.01]
    link = One(w0)
    opt = optimizers.CorrectedMomentumSGD(lr=0.1, momentum=0.9).setup(link)
    for g, lr in zip(gs, lrs):
        opt.lr = lr
        link.w.grad = g.copy()
        opt.update()
    numpy.testing.assert_allclose(link.w.array, _corrected_momentum(w0, gs, lrs, 0.9),
                                  rtol=1e-12)
    plain = One(w0)
    popt = optimizers.MomentumSGD(lr=0.1, momentum=0.9).setup(plain)
    for g, lr in zip(gs, lrs):
        popt.lr = lr
        plain.w.grad = g.copy()
        popt.update()
    assert not numpy.allclose(plain.w.array, link.w.array)


def test_msvag_zero_gradient_takes_no_step():
    link = One(numpy.ones(3))
    opt = optimizers.MSVAG(lr=0.1).setup(link)
    link.w.grad = numpy.array([0.0, 1.0, 0.0])
    with numpy.errstate(all="raise"):
        opt.update()
    assert link.w.array[0] == 1 and link.w.array[2] == 1 and link.w.array[1] < 1


def test_hyperparameter_proxy_and_per_parameter_override():
    a, b = One(numpy.ones(2)), One(numpy.ones(2))
    chain = link_module.Chain(a=a, b=b)
    opt = optimizers.SGD(lr=0.1).setup(chain)
    opt.lr = 0.5
    assert opt.hyperparam.lr == 0.5 and a.w.update_rule.hyperparam.lr == 0.5
    b.w.update_rule.hyperparam.lr = 0.0
    a.w.grad = numpy.ones(2)
    b.w.grad = numpy.ones(2)
    opt.update()
    numpy.testing.assert_array_equal(a.w.array, [0.5, 0.5])
    numpy.testing.assert_array_equal(b.w.array, [1, 1])
    assert opt.hyperparam.get_dict() == {"lr": 0.5}
    assert b.w.update_rule.hyperparam.get_dict() == {"lr": 0.0}

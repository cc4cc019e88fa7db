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
]


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
    tol = 1e-5 if dtype == numpy.float32 else 1e-12
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


def test_adabound_not_implemented():
    with pytest.raises(NotImplementedError, match="adabound"):
        optimizers.Adam(adabound=True)


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

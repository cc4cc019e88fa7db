"""The Optimizer / GradientMethod / UpdateRule machinery."""

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import optimizer as optimizer_module
from rechain import optimizers
from rechain.links import link as link_module
from rechain.links.connection.linear import Linear


def _mlp():
    return link_module.Sequential(Linear(3, 4), F.tanh, Linear(4, 2))


def _data():
    rng = numpy.random.RandomState(0)
    return rng.randn(8, 3).astype(numpy.float32), rng.randn(8, 2).astype(numpy.float32)


def test_setup_returns_self_and_attaches_rules():
    model = _mlp()
    opt = optimizers.SGD()
    assert opt.setup(model) is opt and opt.target is model
    assert all(isinstance(p.update_rule, optimizers.sgd.SGDRule) for p in model.params())
    with pytest.raises(TypeError, match=r"SGD.setup: the optimization target must be a link "
                                        r"\(a rechain.Link\), not int"):
        optimizers.SGD().setup(3)


@pytest.mark.parametrize("call", [lambda o: o.update(), lambda o: o.serialize(None),
                                  lambda o: o.call_hooks()])
def test_use_before_setup_is_a_clear_error(call):
    with pytest.raises(RuntimeError, match=r"Adam\.\w+: the optimizer has no target link; "
                                           r"call optimizer.setup\(model\) first"):
        call(optimizers.Adam())


def test_update_with_lossfun_clears_old_gradients():
    model = _mlp()
    x, t = _data()
    opt = optimizers.SGD(lr=0.1).setup(model)
    for p in model.params():  # stale gradients that must not leak into the update
        p.grad = numpy.full(p.shape, 100.0, numpy.float32)
    ref = model.copy("copy")
    ref.cleargrads()
    F.mean_squared_error(ref(x), t).backward()
    expected = [p.array - 0.1 * p.grad for p in ref.params()]
    opt.update(lambda: F.mean_squared_error(model(x), t))
    for p, e in zip(model.params(), expected):
        numpy.testing.assert_allclose(p.array, e, rtol=1e-6)


def test_update_lossfun_args_and_type_error():
    model = _mlp()
    x, t = _data()
    opt = optimizers.SGD().setup(model)
    opt.update(lambda a, b=None: F.mean_squared_error(model(a), b), x, b=t)
    assert opt.t == 1
    with pytest.raises(TypeError, match="lossfun must return a Variable, got float"):
        opt.update(lambda: 1.0)


def test_parameter_without_gradient_gets_a_zero_gradient_and_keeps_its_momentum():
    # Chainer's GradientMethod.update: a parameter the loss did not reach is
    # updated with a zero gradient, so its momentum goes on moving it.
    model = _mlp()
    opt = optimizers.MomentumSGD(lr=0.1, momentum=0.9).setup(model)
    x, t = _data()
    opt.update(lambda: F.mean_squared_error(model(x), t))
    w2 = model[2].W.array.copy()
    v = model[2].W.update_rule.state["v"].copy()
    assert numpy.abs(v).max() > 0
    model.cleargrads()
    F.sum(model[0](x)).backward()   # the second Linear gets no gradient
    opt.update()
    numpy.testing.assert_allclose(model[2].W.array, w2 + 0.9 * v, rtol=1e-6)
    assert model[2].W.update_rule.t == 2 and model[0].W.update_rule.t == 2 and opt.t == 2
    g = model[2].W.grad   # left as a zero array, as in Chainer
    assert g is not None and g.shape == w2.shape and not g.any()


def test_weight_decay_acts_on_a_parameter_without_gradient():
    from rechain import optimizer_hooks
    model = _mlp()
    opt = optimizers.SGD(lr=0.5).setup(model)
    opt.add_hook(optimizer_hooks.WeightDecay(0.1))
    w = model[2].W.array.copy()
    opt.update()   # no backward at all: every gradient is zero before the hook
    numpy.testing.assert_allclose(model[2].W.array, w - 0.5 * 0.1 * w, rtol=1e-6)


def test_adam_step_count_advances_for_an_unused_parameter():
    model = _mlp()
    opt = optimizers.Adam().setup(model)
    opt.update()
    opt.update()
    rule = model[2].b.update_rule
    assert rule.t == 2 and set(rule.state) == {"m", "v"}
    assert not rule.state["m"].any() and not rule.state["v"].any()


def test_uninitialised_parameters_are_counted_then_updated():
    model = link_module.Sequential(Linear(None, 2))
    opt = optimizers.Adam().setup(model)
    opt.update()   # the rule runs without array and gradient: t advances, no state
    rule = model[0].W.update_rule
    assert rule.t == 1 and rule.state is None and model[0].W.array is None
    assert model[0].W.grad is None
    x, _ = _data()
    opt.update(lambda: F.sum(model(x)))
    assert rule.t == 2 and rule.state["m"].shape == (2, 3)


class _RecordingRule(optimizer_module.UpdateRule):
    def __init__(self, record):
        super().__init__()
        self.record = record

    def update_core_cpu(self, param):
        self.record.append((param.name, param.array is None, param.grad is None))


class _RecordingOptimizer(optimizer_module.GradientMethod):
    def __init__(self, record):
        super().__init__()
        self.record = record

    def create_update_rule(self):
        return _RecordingRule(self.record)


def test_update_core_is_called_for_every_parameter():
    link = rechain.Link()
    with link.init_scope():
        link.p1 = rechain.Parameter()   # uninitialised
        link.p2 = rechain.Parameter(numpy.array([3.0, 2.0], numpy.float32))
        link.p2.grad = numpy.array([1.0, 1.0], numpy.float32)
        link.p3 = rechain.Parameter(numpy.array([5.0, 7.0], numpy.float32))  # no grad
    record = []
    opt = _RecordingOptimizer(record).setup(link)
    opt.update()
    assert sorted(record) == [("p1", True, True), ("p2", False, False), ("p3", False, False)]
    assert link.p1.update_rule.t == 1 and link.p1.update_rule.state is None


def test_builtin_rule_called_without_gradient_changes_nothing():
    p = rechain.Parameter(numpy.arange(3, dtype=numpy.float32))
    rule = optimizers.MomentumSGD().create_update_rule()
    rule.update(p)
    numpy.testing.assert_array_equal(p.array, numpy.arange(3, dtype=numpy.float32))
    assert rule.t == 1 and not rule.state["v"].any()


def test_hooks_see_a_gradient_even_after_a_hook_clears_them():
    model = _mlp()
    opt = optimizers.SGD().setup(model)
    seen = []
    opt.add_hook(lambda o: [p.cleargrad() for p in o.target.params()], "clear")
    opt.add_hook(lambda o: seen.extend(p.grad is not None for p in o.target.params()), "look")
    opt.update()
    assert seen and all(seen)


def test_new_epoch_auto_flag_is_checked():
    opt = optimizers.SGD()
    opt.new_epoch()
    assert opt.epoch == 1
    with pytest.raises(RuntimeError, match=r"SGD.new_epoch\(auto=True\): use_auto_new_epoch "
                                           r"is False"):
        opt.new_epoch(auto=True)
    opt.use_auto_new_epoch = True
    with pytest.raises(RuntimeError, match="SGD.new_epoch: an updater already advances"):
        opt.new_epoch()
    opt.new_epoch(auto=True)
    assert opt.epoch == 2


def test_add_hook_before_setup_is_an_error():
    with pytest.raises(RuntimeError, match=r"SGD.add_hook: the optimizer has no target link"):
        optimizers.SGD().add_hook(lambda o: None, "h")


def test_disabled_rule_skips_update():
    model = _mlp()
    opt = optimizers.SGD().setup(model)
    model[0].disable_update()
    w = model[0].W.array.copy()
    x, t = _data()
    opt.update(lambda: F.mean_squared_error(model(x), t))
    numpy.testing.assert_array_equal(model[0].W.array, w)
    assert model[0].W.update_rule.t == 0


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
def test_loss_scale_is_divided_out(dtype):
    with rechain.using_config("dtype", numpy.dtype(dtype)):
        a = _mlp()
    b = a.copy("copy")
    x, t = _data()
    x, t = x.astype(dtype), t.astype(dtype)
    oa = optimizers.Adam().setup(a)
    ob = optimizers.Adam().setup(b)
    oa.update(lambda: F.mean_squared_error(a(x), t))
    F.mean_squared_error(b(x), t).backward(loss_scale=128.0)
    assert b[0].W._loss_scale == 128.0
    ob.update()
    assert b[0].W._loss_scale is None and b[0].W.dtype == dtype
    for p, q in zip(a.params(), b.params()):
        numpy.testing.assert_allclose(q.array, p.array, rtol=1e-5)
    # and through the optimizer's own loss scale
    c = a.copy("copy")
    oc = optimizers.SGD(lr=0.1).setup(c)
    d = a.copy("copy")
    od = optimizers.SGD(lr=0.1).setup(d)
    oc.set_loss_scale(1024)
    oc.update(lambda: F.mean_squared_error(c(x), t))
    od.update(lambda: F.mean_squared_error(d(x), t))
    for p, q in zip(c.params(), d.params()):
        numpy.testing.assert_allclose(p.array, q.array, rtol=1e-5)


def test_parameter_update_applies_its_rule_directly():
    p = rechain.Parameter(numpy.ones(3))
    p.update_rule = optimizers.sgd.SGDRule(lr=0.5)
    p.grad = numpy.full(3, 2.0)
    p.update()
    numpy.testing.assert_array_equal(p.array, [0, 0, 0])
    p.cleargrad()
    p.update()   # no gradient: no change
    numpy.testing.assert_array_equal(p.array, [0, 0, 0])


def test_hooks_registration():
    opt = optimizers.SGD().setup(_mlp())
    calls = []

    def pre(o):
        calls.append(("pre", o.t))

    class Post:
        name = "post"
        timing = "post"

        def __call__(self, o):
            calls.append(("post", o.t))

    opt.add_hook(pre)
    opt.add_hook(Post())
    with pytest.raises(KeyError, match="'pre' already exists"):
        opt.add_hook(pre)
    with pytest.raises(ValueError, match="timing must be.*'later'"):
        opt.add_hook(pre, name="x", timing="later")
    with pytest.raises(TypeError, match="hook must be callable"):
        opt.add_hook(3)
    opt.update()
    assert calls == [("pre", 0), ("post", 1)]
    opt.remove_hook("pre")
    with pytest.raises(KeyError, match="no hook named 'pre'"):
        opt.remove_hook("pre")
    opt.update()
    assert calls[-1] == ("post", 2) and len(calls) == 3


def test_update_rule_hooks():
    p = rechain.Parameter(numpy.ones(2))
    rule = optimizers.sgd.SGDRule(lr=1.0)
    p.update_rule = rule
    seen = []
    rule.add_hook(lambda r, q: seen.append(q.array.copy()), name="pre")
    rule.add_hook(lambda r, q: seen.append(q.array.copy()), name="post", timing="post")
    p.grad = numpy.ones(2)
    p.update()
    numpy.testing.assert_array_equal(seen[0], [1, 1])
    numpy.testing.assert_array_equal(seen[1], [0, 0])
    rule.remove_hook("pre")
    with pytest.raises(KeyError):
        rule.remove_hook("pre")


def test_new_epoch_and_hyperparameter_errors():
    opt = optimizers.SGD().setup(_mlp())
    opt.new_epoch()
    opt.new_epoch()
    assert opt.epoch == 2
    hp = optimizer_module.Hyperparameter()
    with pytest.raises(AttributeError, match="'lr' is not set"):
        hp.lr
    child = optimizer_module.Hyperparameter(hp)
    hp.lr = 3
    assert child.lr == 3 and child.parent is hp and "lr=3" in repr(child)


def test_custom_update_rule():
    class SignRule(optimizer_module.UpdateRule):
        def init_state(self, param):
            self.state["count"] = param.xp.zeros_like(param.array)

        def update_core_cpu(self, param):
            self.state["count"] += 1
            param.array -= self.hyperparam.lr * param.xp.sign(param.grad)

    class SignSGD(optimizer_module.GradientMethod):
        lr = optimizer_module.HyperparameterProxy("lr")

        def __init__(self, lr):
            super().__init__()
            self.hyperparam.lr = lr

        def create_update_rule(self):
            return SignRule(self.hyperparam)

    link = link_module.Sequential(Linear(2, 1, initialW=0.0))
    opt = SignSGD(0.25).setup(link)
    link[0].W.grad = numpy.array([[3.0, -0.1]], numpy.float32)
    opt.update()
    numpy.testing.assert_array_equal(link[0].W.array, [[-0.25, 0.25]])
    assert link[0].W.update_rule.state["count"][0, 0] == 1
    assert optimizer_module.UpdateRule()._state_keys() == []
    assert SignRule()._state_keys() == ["count"]


def test_training_reduces_loss():
    rechain.random.seed(0)
    model = _mlp()
    x, t = _data()
    opt = optimizers.Adam(alpha=0.05).setup(model)
    losses = []
    for _ in range(30):
        loss = F.mean_squared_error(model(x), t)
        losses.append(float(loss.array))
        model.cleargrads()
        loss.backward()
        opt.update()
    assert losses[-1] < 0.5 * losses[0]


def test_shared_link_is_updated_once():
    shared = Linear(2, 2)
    model = link_module.Sequential(shared, F.tanh, shared)
    assert len(list(model.params())) == 4   # listed along both paths
    opt = optimizers.SGD(lr=0.1).setup(model)
    x = numpy.ones((1, 2), numpy.float32)
    F.sum(model(x)).backward()
    expected = shared.W.array - 0.1 * shared.W.grad
    opt.update()
    numpy.testing.assert_allclose(shared.W.array, expected, rtol=1e-6)
    assert shared.W.update_rule.t == 1


class _DictDeserializer(rechain.serializers.base.Deserializer):
    """Reads from a dict; a strict one raises KeyError for absent keys, a lax one gives None."""

    def __init__(self, data, strict=True):
        self.data, self.strict = data, strict

    def __getitem__(self, key):
        raise NotImplementedError

    def __call__(self, key, value):
        if key not in self.data:
            if self.strict:
                raise KeyError(key)
            return None
        return self.data[key]


class _TwoStateRule(rechain.optimizer.UpdateRule):
    def init_state(self, param):
        self.state["a"] = numpy.zeros_like(param.array)
        self.state["b"] = numpy.ones_like(param.array)


def test_rule_deserialize_builds_the_state_or_leaves_none():
    full = {"t": 5, "a": numpy.array([1.0]), "b": numpy.array([2.0])}
    rule = _TwoStateRule()
    rule.serialize(_DictDeserializer(full))
    assert rule.t == 5 and sorted(rule.state) == ["a", "b"]
    numpy.testing.assert_array_equal(rule.state["b"], [2.0])
    partial = {"t": 5, "a": numpy.array([1.0])}
    rule = _TwoStateRule()
    with pytest.raises(KeyError):
        rule.serialize(_DictDeserializer(partial))  # strict, enabled
    rule = _TwoStateRule()
    rule.serialize(_DictDeserializer(partial, strict=False))
    assert rule.t == 5 and rule.state is None  # initialized at the next update
    rule = _TwoStateRule()
    rule.enabled = False
    rule.serialize(_DictDeserializer(partial))
    assert rule.state is None


def test_rule_deserialize_sees_an_init_state_set_on_the_instance():
    rule = rechain.optimizer.UpdateRule()

    def init_state(param):  # writes the rule's own state, as Chainer's tests do
        rule.state["v"] = numpy.zeros_like(param.array)
    rule.init_state = init_state
    rule.serialize(_DictDeserializer({"t": 1, "v": numpy.array([3.0])}))
    numpy.testing.assert_array_equal(rule.state["v"], [3.0])


def _scaled_model():
    link = rechain.Link()
    with link.init_scope():
        link.w = rechain.Parameter(numpy.ones(2, numpy.float32))
    return link


def test_dynamic_loss_scaling_doubles_then_halves_and_skips_non_finite_updates():
    link = _scaled_model()
    opt = optimizers.SGD(lr=0.1).setup(link)
    opt.loss_scaling(interval=2)
    seen = []

    def loss(bad=False):
        seen.append(opt._loss_scale)
        scale = numpy.float32(numpy.inf if bad else 1.0)
        return F.sum(link.w * scale)

    opt.update(loss)
    opt.update(loss)
    assert seen == [1.0, 2.0] and opt._loss_scale == 4.0
    # the gradient was recorded times the scale and divided again: w -= 0.1 each step
    numpy.testing.assert_allclose(link.w.array, [0.8, 0.8], rtol=1e-6)
    with pytest.warns(UserWarning, match=r"SGD.update: non-finite gradient of 'w' .* skipped"):
        opt.update(loss, bad=True)
    numpy.testing.assert_allclose(link.w.array, [0.8, 0.8], rtol=1e-6)  # not updated
    assert opt._loss_scale == 2.0 and opt.t == 3
    opt.update(loss)
    assert opt._loss_scale == pytest.approx(2.0 * 2 ** 0.5)  # 2 ** (1 / interval) per update
    numpy.testing.assert_allclose(link.w.array, [0.7, 0.7], rtol=1e-6)


def test_loss_scaling_static_bounds_and_bad_arguments():
    link = _scaled_model()
    opt = optimizers.SGD(lr=0.1).setup(link)
    opt.loss_scaling(scale=8.0)
    seen = []

    def loss():
        seen.append(opt._loss_scale)
        return F.sum(link.w)
    opt.update(loss)
    opt.update(loss)
    assert seen == [8.0, 8.0]
    numpy.testing.assert_allclose(link.w.array, [0.8, 0.8], rtol=1e-6)
    opt.loss_scaling()
    opt._loss_scale = 60000.0
    opt.update(loss)
    assert opt._loss_scale == 65504.0  # at most the largest float16
    with pytest.raises(ValueError, match=r"SGD.loss_scaling: interval must be an int >= 1"):
        opt.loss_scaling(interval=0)
    with pytest.raises(ValueError, match=r"SGD.loss_scaling: scale must be positive"):
        opt.loss_scaling(scale=-1.0)

"""F20: a function under F.forget that calls rechain.grad inside (a gradient
penalty) gives the plain gradients (region.py Note [grad inside forget])."""

import copy

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L
from rechain import function_node


def _model(seed=0, bn=False):
    numpy.random.seed(seed)
    m = rechain.Sequential(L.Linear(4, 5), F.tanh, L.Linear(5, 3))
    if bn:
        m = rechain.Sequential(L.Linear(4, 5), L.BatchNormalization(5, dtype=numpy.float64),
                               F.tanh, L.Linear(5, 3))
    for p in m.params():
        p.array = p.array.astype(numpy.float64)
    return m


def _penalty(model, double=True, dropout=False):
    def f(x):
        h = model(x)
        if dropout:
            h = F.dropout(h, 0.3)
        return h

    def loss(x):
        y = F.sum(f(x))
        gx, = rechain.grad([y], [x], enable_double_backprop=double)
        return y + F.sum(gx * gx)
    return loss


def _run(model, loss_fn, x0, mode):
    rechain.random.seed(3)
    model.cleargrads()
    x = rechain.Variable(x0.copy())
    if mode == "plain":
        loss = loss_fn(x)
    elif mode == "forget":
        loss = F.forget(loss_fn, x)
    else:  # nested: the penalty's inner function is itself forgotten
        loss = F.forget(lambda a: loss_fn(a), x)
    loss.backward()
    return [loss.array, x.grad] + [p.grad for p in model.params()]


@pytest.mark.parametrize("double", [True, False])
@pytest.mark.parametrize("dropout", [False, True])
def test_gradient_penalty_under_forget_gives_the_plain_gradients(double, dropout):
    model = _model()
    x0 = numpy.random.rand(6, 4)
    fn = _penalty(model, double, dropout)
    plain = _run(model, fn, x0, "plain")
    forgot = _run(model, fn, x0, "forget")
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)


def test_wgan_gp_penalty_matches_plain():
    # loss = F.sum(f(x)) + F.sum(gx * gx), gx = grad([F.sum(f(x))], [x], double)
    model = _model(1)

    def f(x):
        return F.relu(model(x)) * 2.0

    def loss(x):
        gx, = rechain.grad([F.sum(f(x))], [x], enable_double_backprop=True)
        return F.sum(f(x)) + F.sum(gx * gx)

    x0 = numpy.random.rand(5, 4)
    plain = _run(model, loss, x0, "plain")
    forgot = _run(model, loss, x0, "forget")
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)


def test_grad_inside_a_nested_forget():
    model = _model(2)

    def inner(x):
        y = F.sum(model(x))
        gx, = rechain.grad([y], [x], enable_double_backprop=True)
        return y + F.sum(gx * gx)

    def outer(x):
        return F.forget(inner, F.tanh(x)) * 3.0

    x0 = numpy.random.rand(4, 4)
    res = []
    for use in (False, True):
        model.cleargrads()
        x = rechain.Variable(x0.copy())
        loss = F.forget(outer, x) if use else inner(F.tanh(x)) * 3.0
        loss.backward()
        res.append([loss.array, x.grad] + [p.grad for p in model.params()])
    for a, b in zip(*res):
        numpy.testing.assert_array_equal(a, b)


def test_batch_normalization_statistics_update_once_with_grad_inside():
    model = _model(3, bn=True)
    model2 = copy.deepcopy(model)
    x0 = numpy.random.rand(6, 4)
    plain = _run(model, _penalty(model), x0, "plain")
    forgot = _run(model2, _penalty(model2), x0, "forget")
    numpy.testing.assert_array_equal(model2[1].avg_mean, model[1].avg_mean)
    numpy.testing.assert_array_equal(model2[1].avg_var, model[1].avg_var)
    for a, b in zip(plain, forgot):
        numpy.testing.assert_array_equal(a, b)


def test_retain_graph_twice_and_double_backprop_through_the_penalty():
    model = _model(4)
    fn = _penalty(model)
    x0 = numpy.random.rand(3, 4)
    out = {}
    for mode in ("plain", "forget"):
        model.cleargrads()
        x = rechain.Variable(x0.copy())
        loss = fn(x) if mode == "plain" else F.forget(fn, x)
        g, = rechain.grad([loss], [x], enable_double_backprop=True)
        gg, = rechain.grad([F.sum(g * g)], [x])
        loss.backward(retain_graph=True)
        loss.backward()
        out[mode] = [g.array, gg.array, x.grad] + [p.grad for p in model.params()]
    for a, b in zip(out["plain"], out["forget"]):
        numpy.testing.assert_array_equal(a, b)


def test_backward_and_grad_inside_the_same_function_is_an_error():
    model = _model(5)

    def f(x):
        y = F.sum(model(x))
        gx, = rechain.grad([y], [x], enable_double_backprop=True)
        F.sum(model(x)).backward()
        return y + F.sum(gx * gx)

    x = rechain.Variable(numpy.random.rand(2, 4))
    loss = F.forget(f, x)
    with pytest.raises(function_node.RecomputeError, match="calls both rechain.grad"):
        loss.backward()

"""Gradient sums (_backprop Note [gradient accumulation]): in place only where
reference counts prove nobody else holds the array, never into the user's."""

import tracemalloc

import numpy
import pytest

import rechain
import rechain.functions as F
import rechain.links as L

S = 1 << 18  # float32 elements: 1 MiB


def _backward_peak(n_uses):
    x = rechain.Variable(numpy.ones(S, numpy.float32))
    h = F.tanh(x)
    y = F.sum(F.sin(h))
    for _ in range(n_uses - 1):
        y = y + F.sum(F.sin(h))
    tracemalloc.start()
    y.backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_sum_of_fresh_contributions_allocates_no_extra_array():
    # h's gradient is a sum of fresh arrays (cos(h) * gy): the sum goes into
    # the second one; the backward peak holds gx, one contribution, the
    # accumulator and cos's temporary: 4 arrays, whatever the number of uses.
    for n in (2, 6):
        assert _backward_peak(n) < 4.1 * S * 4


@pytest.mark.parametrize("make", [
    lambda a: a + a,                        # Add returns the same gradient twice
    lambda a: a * a,                        # both inputs are the same node
    lambda a: F.sum(a) + F.sum(a) * 2.0,
    lambda a: F.concat([a, a], axis=0),
    lambda a: F.sin(a) + F.cos(a) + a,
])
def test_reuse_cases_give_the_numpy_gradient(make):
    base = numpy.linspace(-1, 1, 6).astype(numpy.float64)
    x = rechain.Variable(base.copy())
    y = F.sum(make(x) * 1.5)
    y.backward()
    gx = x.grad.copy()
    eps = 1e-6
    num = numpy.empty_like(base)
    for i in range(base.size):
        d = numpy.zeros_like(base)
        d[i] = eps
        num[i] = (float(F.sum(make(rechain.Variable(base + d)) * 1.5).array)
                  - float(F.sum(make(rechain.Variable(base - d)) * 1.5).array)) / (2 * eps)
    numpy.testing.assert_allclose(gx, num, rtol=1e-6, atol=1e-8)
    numpy.testing.assert_array_equal(x.array, base)


def test_user_held_gradients_and_arrays_are_not_written():
    x = rechain.Variable(numpy.ones(4, numpy.float32))
    h = x * 3.0
    y = h * 2.0 + h
    gy = numpy.full(4, 0.5, numpy.float32)
    y.grad = gy
    y.backward(retain_grad=True)
    numpy.testing.assert_array_equal(gy, 0.5)              # the initial gradient untouched
    numpy.testing.assert_array_equal(y.grad, 0.5)
    numpy.testing.assert_array_equal(h.grad, 1.5)          # 0.5 * 2 + 0.5
    numpy.testing.assert_array_equal(x.grad, 4.5)
    # an existing leaf gradient is added to out of place
    old = x.grad
    y.backward()
    assert x.grad is not old
    numpy.testing.assert_array_equal(old, 4.5)
    numpy.testing.assert_array_equal(x.grad, 9.0)


def test_shared_parameter_inside_and_outside_forget():
    rng = numpy.random.default_rng(0)
    lin = L.Linear(5, 5, initialW=rng.normal(size=(5, 5)).astype(numpy.float32))
    x = rng.normal(size=(3, 5)).astype(numpy.float32)

    def run(use_forget):
        lin.cleargrads()
        h = F.forget(lambda a: F.tanh(lin(a)), x) if use_forget else F.tanh(lin(x))
        F.sum(lin(h) * h).backward()
        return lin.W.grad.copy(), lin.b.grad.copy()

    for a, b in zip(run(False), run(True)):
        numpy.testing.assert_array_equal(a, b)


def test_initial_gradient_type_and_dtype_are_checked():
    v = rechain.Variable(numpy.ones(3, numpy.float32))
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[0\] has dtype float64, but "
                                        r"output 0 has dtype float32"):
        rechain.grad([v * 2.0], [v], grad_outputs=[numpy.ones(3)])
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[0\] must be a Variable, an "
                                        r"ndarray or None, not list"):
        rechain.grad([v * 2.0], [v], grad_outputs=[[1, 1, 1]])
    with pytest.raises(TypeError, match=r"grad: grad_outputs\[0\] must be .* not float"):
        rechain.grad([v * 2.0], [v], grad_outputs=[3.0])
    with pytest.raises(TypeError, match=r"backward: grad_outputs\[1\] has dtype int64"):
        rechain.backward([v * 2.0, v * 3.0],
                         [numpy.ones(3, numpy.float32), numpy.ones(3, numpy.int64)])

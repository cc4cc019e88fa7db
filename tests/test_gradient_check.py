"""gradient_check: numerical_grad, check_backward, check_double_backward."""

import re

import numpy
import pytest

import rechain
import rechain.functions as F
from rechain import FunctionNode, Parameter, Variable
from rechain import gradient_check


def _a(shape=(2, 3), seed=0, dtype=numpy.float64):
    return numpy.random.default_rng(seed).uniform(0.5, 1.5, size=shape).astype(dtype)


class WrongSquare(FunctionNode):
    """y = x**2 whose backward is off by ``factor`` (2x * factor)."""

    def __init__(self, factor):
        self.factor = factor

    def forward(self, inputs):
        self.retain_inputs((0,))
        return inputs[0] ** 2,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return grad_outputs[0] * x * (2.0 * self.factor),


class SquareGradWrong(FunctionNode):
    """z = 2 * x * gy: right value, wrong derivative w.r.t. x (3*... instead of 2*...)."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        x, gy = inputs
        return 2 * x * gy,

    def backward(self, indexes, grad_outputs):
        x, gy = self.get_retained_inputs()
        g, = grad_outputs
        ret = []
        for i in indexes:
            ret.append(g * gy * 3.0 if i == 0 else g * x * 2.0)  # d/dx is wrong
        return tuple(ret)


class SquareBadSecond(FunctionNode):
    """y = x**2: correct first derivative, wrong second derivative."""

    def forward(self, inputs):
        self.retain_inputs((0,))
        return inputs[0] ** 2,

    def backward(self, indexes, grad_outputs):
        x, = self.get_retained_inputs()
        return SquareGradWrong().apply((x, grad_outputs[0]))


def _numbers(message):
    ana = float(re.search(r"backprop  \(sum gx\*d\): (\S+)", message).group(1))
    num = float(re.search(r"numerical \(central diff\): (\S+)", message).group(1))
    return ana, num


# -- numerical_grad ----------------------------------------------------------------------

def test_numerical_grad_matches_analytic_values():
    x = _a((2, 3))
    w = _a((2, 3), seed=1)

    def f():
        return (x * x * w + numpy.sin(x),)
    gx, gw = gradient_check.numerical_grad(f, (x, w), (1.0,), eps=1e-4)
    numpy.testing.assert_allclose(gx, 2 * x * w + numpy.cos(x), rtol=1e-7)
    numpy.testing.assert_allclose(gw, x * x, rtol=1e-7)


def test_numerical_grad_with_output_weights_and_several_outputs():
    x = _a((3,))
    gy1 = _a((3,), seed=2)

    def f():
        return x ** 3, x.sum() * numpy.ones(2)
    gx, = gradient_check.numerical_grad(f, (x,), (gy1, numpy.ones(2)), eps=1e-4)
    numpy.testing.assert_allclose(gx, 3 * x ** 2 * gy1 + 2.0, rtol=1e-6)


def test_numerical_grad_output_without_gradient_contributes_nothing():
    # as in Chainer: a None output gradient, or a None output, adds nothing
    x = _a((3,))
    gy1 = _a((3,), seed=2)
    gx, = gradient_check.numerical_grad(lambda: (x ** 3, x * 5.0), (x,), (gy1, None),
                                        eps=1e-4)
    numpy.testing.assert_allclose(gx, 3 * x ** 2 * gy1, rtol=1e-6)
    gx, = gradient_check.numerical_grad(lambda: (x ** 3, None), (x,), (gy1, gy1), eps=1e-4)
    numpy.testing.assert_allclose(gx, 3 * x ** 2 * gy1, rtol=1e-6)


def test_numerical_grad_restores_inputs():
    x = _a((2, 2))
    before = x.copy()
    gradient_check.numerical_grad(lambda: (x * 2,), (x,), (1.0,))
    numpy.testing.assert_array_equal(x, before)


def test_numerical_grad_rejects_nonpositive_eps():
    x = _a((2,))
    with pytest.raises(ValueError, match=r"numerical_grad: eps must be positive, got 0"):
        gradient_check.numerical_grad(lambda: (x,), (x,), (None,), eps=0)


def test_numerical_grad_on_non_contiguous_input():
    x = numpy.arange(1.0, 7.0).reshape(2, 3).T
    assert not x.flags.c_contiguous
    gx, = gradient_check.numerical_grad(lambda: (x * x,), (x,), (1.0,))
    numpy.testing.assert_allclose(gx, 2 * x, rtol=1e-6)


# -- check_backward -----------------------------------------------------------------------

@pytest.mark.parametrize("func,xs", [
    (lambda x: x * x, (_a(),)),
    (lambda x, y: x * y + x / y, (_a(), _a(seed=1))),
    (lambda x: x ** 3, (_a((4,)),)),
    (lambda x, y: x - y * 2.0, (_a((2, 3)), _a((3,), seed=3))),
])
def test_check_backward_passes_on_correct_ops(func, xs):
    gy = numpy.random.default_rng(9).normal(size=numpy.broadcast_shapes(*[x.shape for x in xs]))
    gradient_check.check_backward(func, xs, gy)


def test_check_backward_scalar_output_needs_no_y_grad():
    gradient_check.check_backward(lambda x: F.sum(x * x), _a())


def test_check_backward_zero_dim_input():
    gradient_check.check_backward(lambda x: x * x * x, numpy.array(1.3), numpy.array(0.7))


def test_check_backward_float32_inputs_are_checked_in_float64():
    x = _a(dtype=numpy.float32)
    gy = _a(seed=4, dtype=numpy.float32)
    gradient_check.check_backward(lambda v: v * v, x, gy, atol=1e-3, rtol=1e-3)
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda v: WrongSquare(1.1).apply((v,))[0], x, gy,
                                      atol=1e-3, rtol=1e-3)


def test_check_backward_raises_on_wrong_backward_with_both_numbers():
    x = _a()
    gy = _a(seed=5)
    with pytest.raises(AssertionError) as info:
        gradient_check.check_backward(lambda v: WrongSquare(2.0).apply((v,))[0], x, gy, seed=1)
    msg = str(info.value)
    assert "check_backward" in msg
    ana, num = _numbers(msg)
    assert ana == pytest.approx(2.0 * num, rel=1e-3)  # the backward doubles the truth
    assert "(2, 3)" in msg  # input shapes are reported


def test_check_backward_correct_version_of_the_same_node_passes():
    gradient_check.check_backward(lambda v: WrongSquare(1.0).apply((v,))[0], _a(), _a(seed=5))


def test_check_backward_catches_a_small_error():
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda v: WrongSquare(1.001).apply((v,))[0], _a(),
                                      _a(seed=5), atol=1e-6, rtol=1e-6)


def test_check_backward_with_params():
    w = Parameter(_a((3,), seed=6))
    x = _a((2, 3))
    gy = _a((2, 3), seed=7)
    before = w.array.copy()
    gradient_check.check_backward(lambda v: v * w + w * w, x, gy, params=w)
    numpy.testing.assert_array_equal(w.array, before)  # params are restored
    assert w.grad is None


def test_check_backward_detects_a_wrong_param_gradient():
    class ScaleByW(FunctionNode):
        def forward(self, inputs):
            self.retain_inputs((0, 1))
            return inputs[0] * inputs[1],

        def backward(self, indexes, grad_outputs):
            x, w = self.get_retained_inputs()
            g, = grad_outputs
            return tuple(g * w if i == 0 else g * x * 0.0 for i in indexes)  # w grad lost

    w = Parameter(_a((2, 3), seed=6))
    with pytest.raises(AssertionError):
        gradient_check.check_backward(lambda v: ScaleByW().apply((v, w))[0], _a(), _a(seed=7),
                                      params=w)


def test_check_backward_no_grads():
    idx = numpy.array([0, 2])
    gradient_check.check_backward(lambda x, i: x * x * float(i.array.sum()), (_a((3,)), idx),
                                  _a((3,), seed=1))
    gradient_check.check_backward(lambda x, y: x * y, (_a((3,)), _a((3,), seed=2)),
                                  _a((3,), seed=1), no_grads=[False, True])


def test_check_backward_several_outputs():
    def f(x):
        return x * 2.0, x * x
    x = _a((3,))
    gradient_check.check_backward(f, x, (_a((3,), seed=1), _a((3,), seed=2)))


def test_check_backward_none_y_grad_for_non_scalar_output_is_consistent():
    def f(x):
        return x * 2.0, x * 3.0
    try:
        gradient_check.check_backward(f, _a((3,)), (_a((3,), seed=1), None))
    except ValueError:
        pass  # refusing the ambiguous input is fine; a false AssertionError is not


def test_check_backward_y_grad_count_mismatch():
    with pytest.raises(ValueError, match=r"check_backward: func returned 2 outputs but 1 "
                                         r"y_grad were given"):
        gradient_check.check_backward(lambda x: (x * 2.0, x * 3.0), _a((3,)), (_a((3,)),))


def test_check_backward_needs_y_grad_for_non_scalar():
    with pytest.raises(ValueError, match=r"y_grad is required"):
        gradient_check.check_backward(lambda x: x * 2.0, _a((3,)))


def test_check_backward_rejects_non_variable_outputs():
    with pytest.raises(TypeError, match=r"output 0 of func is a ndarray"):
        gradient_check.check_backward(lambda x: x.array * 2, _a((3,)), _a((3,)))


def test_check_backward_no_grads_length_mismatch():
    with pytest.raises(ValueError, match=r"no_grads has 1 entries for 2 inputs"):
        gradient_check.check_backward(lambda x, y: x * y, (_a((3,)), _a((3,))), _a((3,)),
                                      no_grads=[False])


# -- check_double_backward --------------------------------------------------------------------

def test_check_double_backward_passes_for_cube():
    x = _a((2, 3))
    gradient_check.check_double_backward(lambda v: v ** 3, x, _a(seed=1), _a(seed=2))


def test_check_double_backward_passes_for_two_inputs():
    gradient_check.check_double_backward(lambda a, b: a * a * b, (_a(), _a(seed=1)), _a(seed=2),
                                         (_a(seed=3), _a(seed=4)))


def test_first_order_of_bad_second_node_is_correct():
    gradient_check.check_backward(lambda v: SquareBadSecond().apply((v,))[0], _a(), _a(seed=1))


def test_check_double_backward_raises_on_wrong_second_derivative():
    with pytest.raises(AssertionError) as info:
        gradient_check.check_double_backward(lambda v: SquareBadSecond().apply((v,))[0], _a(),
                                             _a(seed=1), _a(seed=2))
    ana, num = _numbers(str(info.value))
    assert abs(ana - num) > 1e-2


def test_check_double_backward_with_params():
    w = Parameter(_a((3,), seed=6))
    gradient_check.check_double_backward(lambda v: v * v * w, _a((3,)), _a((3,), seed=1),
                                         _a((3,), seed=2), params=w,
                                         params_grad_grad=_a((3,), seed=3))


def test_check_double_backward_with_an_output_without_gradient():
    def two(v):
        return v ** 3, v * 2.0

    gradient_check.check_double_backward(two, _a(), (_a(seed=1), None), _a(seed=2))
    # the second output's gradient is left out, not taken as zero by mistake: a wrong
    # second derivative of the first output is still caught
    with pytest.raises(AssertionError):
        gradient_check.check_double_backward(
            lambda v: (SquareBadSecond().apply((v,))[0], v * 2.0), _a(), (_a(seed=1), None),
            _a(seed=2))
    with pytest.raises(ValueError, match=r"check_double_backward: 3 y_grad for 2 outputs"):
        gradient_check.check_double_backward(two, _a(), (_a(seed=1), None, None), _a(seed=2))


def test_check_double_backward_grad_grad_count_mismatch():
    with pytest.raises(ValueError, match=r"check_double_backward: 2 x_grad_grad for 1"):
        gradient_check.check_double_backward(lambda v: v ** 3, _a(), _a(), (_a(), _a()))


def test_gradient_checks_leave_config_alone():
    gradient_check.check_double_backward(lambda v: v ** 3, _a(), _a(seed=1), _a(seed=2))
    assert rechain.config.enable_backprop is True
    assert "enable_backprop" not in vars(rechain.config)


def test_check_backward_accepts_variables_built_inside_func():
    # func may build constants of its own
    c = Variable(_a((3,), seed=9), requires_grad=False)
    gradient_check.check_backward(lambda v: v * c + c, _a((3,)), _a((3,), seed=1))


@pytest.mark.parametrize("size", [0, 1, 5, 64, 1000])
def test_direction_is_a_unit_vector_with_no_tiny_element(size):
    # Chainer's direction: every element at least 0.1/sqrt(size), so none is left unchecked
    d = gradient_check._sample_unit_vector(size, numpy, numpy.random.default_rng(3))
    assert d.shape == (size,)
    if size:
        numpy.testing.assert_allclose(numpy.square(d).sum(), 1.0)
        assert numpy.abs(d).min() >= 0.1 / numpy.sqrt(size)
    if size >= 64:
        assert d.min() < 0 < d.max()
    assert gradient_check._CheckBackward._sample_unit_vector is \
        gradient_check._sample_unit_vector
    numpy.random.seed(0)
    a = gradient_check._sample_unit_vector(size, numpy)   # from numpy.random by default
    numpy.random.seed(0)
    numpy.testing.assert_array_equal(a, gradient_check._sample_unit_vector(size, numpy))


def test_check_backward_s_direction_follows_numpy_random_seed(monkeypatch):
    """Without a seed the direction is drawn from numpy.random, as Chainer's:
    numpy.random.seed (and testing.fix_random) make a check repeatable."""
    from rechain import gradient_check as gc_mod
    seen = []
    real = gc_mod._sample_unit_vector

    def spy(size, xp, rng=None):
        d = real(size, xp, rng)
        seen.append(numpy.array(d))
        return d
    monkeypatch.setattr(gc_mod, "_sample_unit_vector", spy)
    x = numpy.linspace(-1, 1, 6).reshape(2, 3)
    for _ in range(2):
        numpy.random.seed(3)
        gc_mod.check_backward(lambda a: a * a, x, numpy.ones((2, 3)))
    assert len(seen) == 2 and numpy.array_equal(seen[0], seen[1])
    numpy.random.seed(4)
    gc_mod.check_backward(lambda a: a * a, x, numpy.ones((2, 3)))
    assert not numpy.array_equal(seen[0], seen[2])

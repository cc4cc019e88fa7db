"""UpdateRule.use_fp32_update: float16 parameters updated through a float32 copy."""

import numpy
import pytest

import rechain
from rechain import optimizers


def _link(dtype):
    link = rechain.Link()
    with link.init_scope():
        link.w = rechain.Parameter(numpy.ones(3, dtype))
    return link


def _steps(opt, link, n, grad=1.0):
    for _ in range(n):
        link.w.grad = numpy.full(3, grad, link.w.dtype)
        opt.update()


def test_small_steps_accumulate_in_float32():
    plain = _link(numpy.float16)
    opt = optimizers.SGD(lr=1e-4).setup(plain)
    _steps(opt, plain, 10)
    # 1e-4 is below half a float16 step at 1.0: plain float16 never moves
    numpy.testing.assert_array_equal(plain.w.array, numpy.ones(3, numpy.float16))

    link = _link(numpy.float16)
    opt = optimizers.SGD(lr=1e-4)
    opt.use_fp32_update()
    opt.setup(link)
    array = link.w.array
    _steps(opt, link, 10)
    rule = link.w.update_rule
    assert rule.fp32_param.dtype == numpy.float32 and rule.fp32_param.grad is None
    numpy.testing.assert_allclose(rule.fp32_param.array, 1 - 10 * 1e-4, rtol=1e-6)
    assert link.w.dtype == numpy.float16 and link.w.array is array  # written in place
    numpy.testing.assert_array_equal(link.w.array,
                                     numpy.full(3, 1 - 10 * 1e-4, numpy.float32).astype(
                                         numpy.float16))


def test_state_and_hooks_see_the_float32_copy_and_other_dtypes_are_plain():
    link = _link(numpy.float16)
    opt = optimizers.MomentumSGD(lr=0.1).setup(link)
    opt.use_fp32_update()  # after setup: the existing rules switch
    seen = []
    link.w.update_rule.add_hook(lambda rule, p: seen.append(p.dtype))
    _steps(opt, link, 2)
    assert seen == [numpy.float32, numpy.float32]
    assert link.w.update_rule.state["v"].dtype == numpy.float32

    link = _link(numpy.float32)
    opt = optimizers.SGD(lr=0.5)
    opt.use_fp32_update()
    opt.setup(link)
    _steps(opt, link, 1)
    assert link.w.update_rule.fp32_param is None
    numpy.testing.assert_array_equal(link.w.array, numpy.full(3, 0.5, numpy.float32))


def test_loss_scale_is_divided_out_in_float32():
    link = _link(numpy.float16)
    opt = optimizers.SGD(lr=1.0)
    opt.use_fp32_update()
    opt.setup(link)
    link.w.grad = numpy.full(3, 1024.0, numpy.float16)
    link.w._loss_scale = 4096.0
    opt.update()
    numpy.testing.assert_array_equal(link.w.array, numpy.full(3, 0.75, numpy.float16))
    assert link.w._loss_scale is None


def test_update_core_chainerx_updates_like_update_core():
    link = _link(numpy.float32)
    opt = optimizers.SGD(lr=0.5).setup(link)
    link.w.grad = numpy.ones(3, numpy.float32)
    link.w.update_rule.update_core_chainerx(link.w)
    numpy.testing.assert_array_equal(link.w.array, numpy.full(3, 0.5, numpy.float32))
    with pytest.raises(NotImplementedError, match="update_core_cpu"):
        rechain.optimizer.UpdateRule().update_core_chainerx(link.w)


@pytest.mark.parametrize("dtype", [None, numpy.float16, numpy.float32])
def test_uninitialized_parameter_calls_update_core_and_stays_uninitialized(dtype):
    # Chainer: the rule runs for an uninitialized parameter; with fp32 update
    # a float16 one is represented by an uninitialized float32 copy.
    def init(array):
        raise AssertionError("the initializer must not run")
    if dtype is not None:
        init.dtype = dtype
    param = rechain.Parameter(init)
    seen = []
    rule = rechain.UpdateRule()
    rule.update_core = lambda p: seen.append(
        (p, p.array, getattr(p.initializer, "dtype", None)))
    rule.use_fp32_update()
    rule.update(param)
    assert len(seen) == 1 and seen[0][1] is None and rule.t == 1
    if dtype == numpy.float16:
        assert seen[0][0] is not param and seen[0][2] == numpy.float32
        assert rule.fp32_param is seen[0][0]
    else:
        assert seen[0][0] is param and seen[0][2] == dtype
    assert param.array is None and getattr(param.initializer, "dtype", None) == dtype

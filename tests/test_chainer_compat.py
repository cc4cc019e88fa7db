"""Chainer user code, written as it would be for Chainer v7, run on rechain.

Only the import lines differ from a Chainer program.
"""

import numpy as np

import rechain as chainer
import rechain.functions as F
from rechain import Variable


def test_variable_backward_like_chainer():
    x = Variable(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    y = F.sum(x * x * 2 + x)
    y.backward()
    np.testing.assert_allclose(x.grad, [5.0, 9.0, 13.0])
    assert isinstance(x, chainer.Variable)
    assert y.data.shape == () and float(y.data) == 34.0


def test_chainer_variable_attributes():
    x = chainer.Variable(np.zeros((2, 3), dtype=np.float32))
    assert x.shape == (2, 3)
    assert x.ndim == 2
    assert x.size == 6
    assert len(x) == 2
    assert x.dtype == np.float32
    assert x.T.shape == (3, 2)
    x.cleargrad()
    assert x.grad is None


def test_chainer_grad():
    x = chainer.Variable(np.array([1.0, 2.0], dtype=np.float32))
    w = chainer.Variable(np.array([3.0, 4.0], dtype=np.float32))
    y = F.sum(x * w)
    gx, gw = chainer.grad([y], [x, w])
    np.testing.assert_allclose(gx.data, [3.0, 4.0])
    np.testing.assert_allclose(gw.data, [1.0, 2.0])
    assert x.grad is None


def test_chainer_double_backprop():
    x = chainer.Variable(np.array([2.0], dtype=np.float32))
    y = x ** 3
    gx, = chainer.grad([y], [x], enable_double_backprop=True)
    ggx, = chainer.grad([gx], [x])
    np.testing.assert_allclose(gx.data, [12.0])
    np.testing.assert_allclose(ggx.data, [12.0])


def test_using_config_train():
    assert chainer.config.train
    with chainer.using_config('train', False):
        assert not chainer.config.train
        assert chainer.config.train is False
    assert chainer.config.train


def test_no_backprop_mode():
    x = chainer.Variable(np.ones(3, dtype=np.float32))
    with chainer.no_backprop_mode():
        y = x * 2
    assert y.creator is None
    with chainer.no_backprop_mode(), chainer.force_backprop_mode():
        y = x * 2
    assert y.creator is not None


def test_global_config():
    old = chainer.global_config.train
    try:
        chainer.global_config.train = False
        assert chainer.config.train is False
    finally:
        chainer.global_config.train = old
    assert chainer.config.train is True


def test_custom_function_node_like_chainer():
    class MulAdd(chainer.FunctionNode):
        def forward(self, inputs):
            self.retain_inputs((0, 1))
            x, y, z = inputs
            return x * y + z,

        def backward(self, indexes, grad_outputs):
            x, y = self.get_retained_inputs()
            gw, = grad_outputs
            return gw * y, gw * x, gw

    x = chainer.Variable(np.array([1.0, 2.0], dtype=np.float32))
    y = chainer.Variable(np.array([3.0, 4.0], dtype=np.float32))
    z = chainer.Variable(np.array([5.0, 6.0], dtype=np.float32))
    w, = MulAdd().apply((x, y, z))
    np.testing.assert_allclose(w.data, [8.0, 14.0])
    w.grad = np.ones(2, dtype=np.float32)
    w.backward()
    np.testing.assert_allclose(x.grad, [3.0, 4.0])
    np.testing.assert_allclose(y.grad, [1.0, 2.0])
    np.testing.assert_allclose(z.grad, [1.0, 1.0])


def test_parameter_and_loss_scale():
    p = chainer.Parameter(np.array([1.0, 2.0], dtype=np.float32))
    loss = F.sum(p * p)
    loss.backward(loss_scale=4)
    np.testing.assert_allclose(p.grad, [8.0, 16.0])
    assert p._loss_scale == 4


def test_gradient_check_like_chainer():
    from rechain import gradient_check
    x = np.random.uniform(-1, 1, (3, 4)).astype(np.float64)
    gy = np.random.uniform(-1, 1, (3, 4)).astype(np.float64)
    gradient_check.check_backward(lambda x: x * x, x, gy)


def test_chainer_backward_several_outputs():
    x = chainer.Variable(np.array([1.0, 2.0], dtype=np.float32))
    y1 = x * 2
    y2 = x * 3
    chainer.backward([y1, y2], [np.ones(2, np.float32), np.ones(2, np.float32)])
    np.testing.assert_allclose(x.grad, [5.0, 5.0])


def test_as_variable_and_as_array():
    a = np.ones(2, np.float32)
    v = chainer.as_variable(a)
    assert isinstance(v, chainer.Variable) and v.array is a and not v.requires_grad
    assert chainer.as_variable(v) is v
    assert chainer.as_array(v) is a and chainer.as_array(a) is a


def test_hook_and_array_type_names_at_the_top_level():
    import rechain.function_hook
    import rechain.link_hook
    assert rechain.FunctionHook is rechain.function_hook.FunctionHook
    assert rechain.LinkHook is rechain.link_hook.LinkHook
    assert rechain.link_hooks.SpectralNormalization and rechain.function_hooks.TimerHook
    assert rechain.get_function_hooks() == {}
    assert rechain.get_cpu_array_types() == (np.ndarray,)
    assert rechain.is_arrays_compatible([np.ones(2), None, np.zeros(3)])
    assert not rechain.is_arrays_compatible([np.ones(2), [1.0]])
    assert issubclass(rechain.serializers.DictionarySerializer, rechain.AbstractSerializer)

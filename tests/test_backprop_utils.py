"""rechain._backprop_utils: Chainer's one-node backward step on lists of gradients."""

import numpy
import pytest

import rechain
from rechain import FunctionNode, Variable
from rechain import _backprop_utils


class _MulAdd(FunctionNode):
    """y = a * b + c."""

    def forward(self, inputs):
        self.retain_inputs((0, 1))
        a, b, c = inputs
        return a * b + c,

    def backward(self, indexes, grad_outputs):
        a, b = self.get_retained_inputs()
        gy, = grad_outputs
        return tuple([gy * b, gy * a, gy][i] for i in indexes)


class _MulAddAccumulate(_MulAdd):
    """The same, adding to the gradients so far itself (``backward_accumulate``)."""

    calls = 0

    def backward_accumulate(self, indexes, grad_outputs, grad_inputs):
        type(self).calls += 1
        gxs = _MulAdd.backward(self, indexes, grad_outputs)
        return tuple(gx if g is None else gx + g for gx, g in zip(gxs, grad_inputs))


def _arr(*v):
    return numpy.array(v, numpy.float64)


@pytest.mark.parametrize("cls", [_MulAdd, _MulAddAccumulate])
def test_step_adds_the_node_gradients_to_the_lists(cls):
    a, b, c = Variable(_arr(2.0, 3.0)), Variable(_arr(5.0, 7.0)), Variable(_arr(1.0, 1.0))
    f = cls()
    f.apply((a, b, c))
    gy = Variable(_arr(1.0, 10.0))
    lists = {a.node: [Variable(_arr(100.0, 100.0))], b.node: [], c.node: []}
    _backprop_utils.backprop_step(f, (0, 1, 2), (gy,), lists, False)
    assert all(len(v) == 1 for v in lists.values())  # summed eagerly
    numpy.testing.assert_allclose(lists[a.node][0].array, [105.0, 170.0])
    numpy.testing.assert_allclose(lists[b.node][0].array, [2.0, 30.0])
    numpy.testing.assert_allclose(lists[c.node][0].array, [1.0, 10.0])
    # the same numbers as rechain's own backward pass
    ga, gb, gc = rechain.grad([a * b + c], [a, b, c], [gy],
                              [Variable(_arr(100.0, 100.0)), None, None])
    numpy.testing.assert_allclose(ga.array, lists[a.node][0].array)
    numpy.testing.assert_allclose(gb.array, lists[b.node][0].array)


def test_step_with_a_repeated_input_and_some_targets():
    a, c = Variable(_arr(3.0)), Variable(_arr(1.0))
    for cls in (_MulAdd, _MulAddAccumulate):
        f = cls()
        f.apply((a, a, c))   # y = a * a + c
        lists = {a.node: [Variable(_arr(1.0))]}
        _backprop_utils.backprop_step(f, (0, 1), (Variable(_arr(2.0)),), lists, True)
        numpy.testing.assert_allclose(_backprop_utils._reduce(lists[a.node]).array,
                                      [1.0 + 2 * 2 * 3.0])


class _FirstOnly(FunctionNode):
    """y = a + b whose backward gives a gradient to ``a`` only."""

    def forward(self, inputs):
        return inputs[0] + inputs[1],

    def backward(self, indexes, grad_outputs):
        return grad_outputs[0], None


def test_step_skips_none_gradients_and_reduce():
    a, b = Variable(_arr(2.0)), Variable(_arr(5.0))
    f = _FirstOnly()
    f.apply((a, b))
    lists = {a.node: [], b.node: []}
    _backprop_utils.backprop_step(f, (0, 1), (Variable(_arr(3.0)),), lists, False)
    assert lists[b.node] == [] and lists[a.node][0].array == 3.0
    assert _backprop_utils._reduce([]) is None
    parts = [Variable(_arr(1.0)), Variable(_arr(2.0)), Variable(_arr(4.0))]
    assert _backprop_utils._reduce(parts).array == 7.0 and len(parts) == 1


class _BadShape(FunctionNode):
    def forward(self, inputs):
        return inputs[0].copy(),

    def backward(self, indexes, grad_outputs):
        return Variable(numpy.ones(3)),


def test_step_debug_checks_are_the_loops():
    x = Variable(_arr(1.0))
    f = _BadShape()
    f.apply((x,))
    lists = {x.node: []}
    _backprop_utils.backprop_step(f, (0,), (Variable(_arr(1.0)),), lists, False)
    with pytest.raises(ValueError, match=r"_BadShape\.backward: gradient of input 0 has "
                                         r"shape \(3,\)"):
        _backprop_utils.backprop_step(f, (0,), (Variable(_arr(1.0)),), {x.node: []}, True)
